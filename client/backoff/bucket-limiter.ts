import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import type { RateLimitSignal } from "./rate-limit-headers.js";

/**
 * Paces calls before the server refuses them. One bottleneck limiter per bucket holds the budget
 * the server reports (`remaining`, less calls already in flight) as its reservoir; when it reaches
 * zero every queued call for that bucket waits for the reset, not only the one that was refused.
 * An outer limiter caps calls in flight overall. With `redis`, buckets live in Redis (bottleneck's
 * clustering over ioredis) so several processes share one org's budget.
 */
export interface LimiterOptions {
  /** Calls in flight across all buckets. Default 8. */
  maxConcurrent?: number;
  /** Share budgets across processes through Redis. */
  redis?: {
    url: string;
    /** Key namespace; processes with the same one share budgets. Default `paceline`. */
    keyPrefix?: string;
    /**
     * Idle TTL of the Redis keys. Default none (keys persist). When set, bottleneck 2.19.5 on
     * Redis ≥ 7 fails with `ERR SETTINGS_KEY_NOT_FOUND` after expiry (bottleneck#205); this
     * limiter recreates the bucket and runs the call again.
     */
    keyTtlMs?: number;
  };
  /** Added to every reset wait, against clock skew and whole-second rounding. Default 50 ms. */
  resetMarginMs?: number;
}

export interface ThrottleEvent {
  bucket: string;
  /** How long the call waited for budget. */
  waitedMs: number;
}

interface BucketState {
  limiter: Bottleneck;
  limit?: number;
  /** Epoch ms the current window ends, as last reported. */
  resetAt?: number;
  remaining?: number;
  refill?: NodeJS.Timeout;
}

/** bottleneck's updateSettings is async in Redis mode; a failed update keeps the old budget. */
async function setReservoir(limiter: Bottleneck, reservoir: number | null): Promise<void> {
  try {
    await limiter.updateSettings({ reservoir });
  } catch {
    // Redis unavailable for a moment: pacing falls back to the 429 path.
  }
}

const expiredKeyError = (error: unknown) =>
  /SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT/.test(String((error as Error)?.message));

export class BucketLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private readonly overall: Bottleneck;
  private readonly connection?: Bottleneck.IORedisConnection;
  private readonly margin: number;

  constructor(
    private readonly options: LimiterOptions = {},
    private readonly onThrottled: (event: ThrottleEvent) => void = () => {},
  ) {
    this.overall = new Bottleneck({ maxConcurrent: options.maxConcurrent ?? 8 });
    this.margin = options.resetMarginMs ?? 50;
    if (options.redis) {
      const client = new Redis(options.redis.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
      this.connection = new Bottleneck.IORedisConnection({ client });
      this.connection.on("error", () => {});
    }
  }

  private bucket(name: string): BucketState {
    let state = this.buckets.get(name);
    if (!state) {
      state = { limiter: this.createLimiter(name) };
      this.buckets.set(name, state);
    }
    return state;
  }

  private createLimiter(name: string): Bottleneck {
    if (!this.connection || !this.options.redis) return new Bottleneck({});
    const limiter = new Bottleneck({
      id: `${this.options.redis.keyPrefix ?? "paceline"}:${name}`,
      datastore: "ioredis",
      connection: this.connection,
      timeout: this.options.redis.keyTtlMs ?? null,
      clearDatastore: false,
    });
    limiter.on("error", () => {});
    return limiter;
  }

  /** Runs `fn` once its bucket has budget and an overall slot is free. */
  async schedule<T>(bucketName: string, fn: () => Promise<T>): Promise<T> {
    const queuedAt = performance.now();
    const run = () => {
      const waitedMs = performance.now() - queuedAt;
      if (waitedMs >= 1) this.onThrottled({ bucket: bucketName, waitedMs });
      return this.overall.schedule(fn);
    };
    try {
      return await this.bucket(bucketName).limiter.schedule(
        { expiration: this.connection ? 120_000 : undefined },
        run,
      );
    } catch (error) {
      if (!expiredKeyError(error)) throw error;
      // Redis dropped the bucket's keys (idle TTL): start it afresh and run the call again.
      const state = this.bucket(bucketName);
      state.limiter = this.createLimiter(bucketName);
      return state.limiter.schedule(run);
    }
  }

  /** Learns a bucket's budget from a response's rate-limit signal. */
  async observe(bucketName: string, signal: RateLimitSignal, now: number = Date.now()): Promise<void> {
    const state = this.bucket(bucketName);
    if (signal.limit !== undefined) state.limit = signal.limit;
    const resetAt = signal.resetMs !== undefined ? now + signal.resetMs : undefined;
    if (signal.remaining === undefined) return;
    // Answers arrive out of order: within one window the budget only shrinks, so a larger
    // `remaining` for the same window is stale. A later reset means a new window.
    const sameWindow =
      resetAt !== undefined && state.resetAt !== undefined && Math.abs(resetAt - state.resetAt) < 1000;
    if (sameWindow && state.remaining !== undefined && signal.remaining > state.remaining) return;
    state.remaining = signal.remaining;
    if (resetAt !== undefined) state.resetAt = resetAt;
    const inFlight = Math.max(0, (await state.limiter.running()) - 1);
    const reservoir = Math.max(0, signal.remaining - inFlight);
    await setReservoir(state.limiter, reservoir);
    if (reservoir === 0) this.refillAt(bucketName, state, state.resetAt ?? now + 1000);
  }

  /** After a 429: nothing more runs in this bucket until `waitMs` has passed. */
  async exhaust(bucketName: string, waitMs: number, now: number = Date.now()): Promise<void> {
    const state = this.bucket(bucketName);
    state.remaining = 0;
    state.resetAt = now + waitMs;
    await setReservoir(state.limiter, 0);
    this.refillAt(bucketName, state, state.resetAt);
  }

  private refillAt(_name: string, state: BucketState, resetAt: number): void {
    if (state.refill) clearTimeout(state.refill);
    const delay = Math.max(0, resetAt - Date.now()) + this.margin;
    state.refill = setTimeout(() => {
      state.refill = undefined;
      state.remaining = undefined;
      // A known limit refills the window; an unknown one lifts the cap until the next report.
      void setReservoir(state.limiter, state.limit ?? null);
    }, delay);
    state.refill.unref();
  }

  /** Milliseconds until the bucket's reported window resets, if known. */
  resetInMs(bucketName: string, now: number = Date.now()): number | undefined {
    const resetAt = this.buckets.get(bucketName)?.resetAt;
    return resetAt === undefined ? undefined : Math.max(0, resetAt - now);
  }

  async close(): Promise<void> {
    for (const state of this.buckets.values()) {
      if (state.refill) clearTimeout(state.refill);
      await state.limiter.disconnect(false).catch(() => {});
    }
    await this.overall.disconnect(false).catch(() => {});
    await this.connection?.disconnect(false).catch(() => {});
  }
}
