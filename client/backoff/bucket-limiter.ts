import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import pLimit, { type LimitFunction } from "p-limit";
import type { RateLimitSignal } from "./rate-limit-headers.js";
import { narrowReset, type ResetInterval } from "./reset-estimate.js";

/**
 * Paces calls before the server refuses them. One bottleneck limiter per bucket holds the budget
 * the server reports (`remaining`, less calls already in flight) as its reservoir; when it reaches
 * zero every queued call for that bucket waits for the reset, not only the one that was refused.
 * A semaphore (p-limit) caps calls in flight overall. With `redis`, buckets live in Redis (bottleneck's
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
  /**
   * Pace from the server's budget (default true). False keeps only the concurrency cap: a 429
   * then delays the call that met it and no other (the "retry-only" strategy of a load test).
   */
  pacing?: boolean;
}

export interface ThrottleEvent {
  bucket: string;
  /** How long the call waited for budget. */
  waitedMs: number;
}

interface BucketState {
  limiter: Bottleneck;
  limit?: number;
  /** When the current window ends (epoch ms), narrowed report by report. */
  reset?: ResetInterval;
  remaining?: number;
  refill?: NodeJS.Timeout;
  /** When the budget was last refilled: answers to calls sent before then speak of an old window. */
  refilledAt: number;
  /**
   * `probing` until the first answer (only as many calls as the overall cap may go), `free` while
   * the budget is far above what could be in flight (unlimited, and locally around bottleneck),
   * `paced` once the reservoir tracks the server's budget.
   */
  mode: "probing" | "free" | "paced";
  /** Calls in flight that went around the limiter while the bucket was not paced. */
  bypassing: number;
}

/** bottleneck's updateSettings is async in Redis mode; a failed update keeps the old budget. */
async function setReservoir(limiter: Bottleneck, reservoir: number | null): Promise<void> {
  try {
    await limiter.updateSettings({ reservoir });
  } catch {
    // Redis unavailable for a moment: pacing falls back to the 429 path.
  }
}

/** Calls released from a bucket and not yet answered (reserved-to-start ones included). */
function inFlight(state: BucketState): number {
  const counts = state.limiter.counts();
  return (counts.RUNNING ?? 0) + (counts.EXECUTING ?? 0) + state.bypassing;
}

const expiredKeyError = (error: unknown) =>
  /SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT/.test(String((error as Error)?.message));

export class BucketLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private readonly overall: LimitFunction;
  private readonly connection?: Bottleneck.IORedisConnection;
  private readonly redis?: Redis;
  private readonly margin: number;

  constructor(
    private readonly options: LimiterOptions = {},
    private readonly onThrottled: (event: ThrottleEvent) => void = () => {},
  ) {
    this.overall = pLimit(options.maxConcurrent ?? 8);
    this.margin = options.resetMarginMs ?? 50;
    if (options.redis) {
      const client = new Redis(options.redis.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
      // Connection trouble surfaces as failed schedules; unhandled error events would crash the host.
      client.on("error", () => {});
      this.redis = client;
      this.connection = new Bottleneck.IORedisConnection({ client });
      this.connection.on("error", () => {});
    }
  }

  private bucket(name: string): BucketState {
    let state = this.buckets.get(name);
    if (!state) {
      state = { limiter: this.createLimiter(name), refilledAt: 0, bypassing: 0, mode: "probing" };
      this.buckets.set(name, state);
    }
    return state;
  }

  private createLimiter(name: string): Bottleneck {
    // Until the first answer tells the budget, only one overall cap's worth of calls may go.
    const reservoir = this.overall.concurrency;
    if (!this.connection || !this.options.redis) return new Bottleneck({ reservoir });
    const limiter = new Bottleneck({
      reservoir,
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
    const state = this.bucket(bucketName);
    if (!this.pacing || (!this.connection && state.mode === "free")) {
      // Far from any limit there is nothing to pace, and bottleneck's own bookkeeping costs a few
      // milliseconds a call: go straight to the overall cap, counting the call as in flight.
      state.bypassing++;
      try {
        return await this.overall(fn);
      } finally {
        state.bypassing--;
      }
    }
    void this.ensureRefill(state, Date.now());
    const queuedAt = performance.now();
    const run = () => {
      const waitedMs = performance.now() - queuedAt;
      if (waitedMs >= 1) this.onThrottled({ bucket: bucketName, waitedMs });
      return this.overall(fn);
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

  /**
   * Learns a bucket's budget from the rate-limit signal of a call sent at `sentAt` and answered at
   * `receivedAt`. Answers to calls sent before the last refill are stale: they describe the window
   * that has ended, and believing them would block (or over-fill) the new one.
   */
  async observe(
    bucketName: string,
    signal: RateLimitSignal | undefined,
    sentAt: number,
    receivedAt: number = Date.now(),
  ): Promise<void> {
    if (!this.pacing) return;
    const state = this.bucket(bucketName);
    try {
      await this.learn(state, signal, sentAt, receivedAt);
    } finally {
      // Whatever the answer said, a spent bucket must have a refill coming, or its queue would wait forever.
      await this.ensureRefill(state, receivedAt);
    }
  }

  private async learn(
    state: BucketState,
    signal: RateLimitSignal | undefined,
    sentAt: number,
    receivedAt: number,
  ): Promise<void> {
    if (signal?.remaining === undefined) {
      // A server that reports no budget cannot be paced from it; 429s still pace it.
      if (state.mode === "probing" && !this.connection) await this.setMode(state, "free");
      if (!signal) return;
    }
    if (signal.limit !== undefined) state.limit = signal.limit;
    if (sentAt < state.refilledAt) return;
    let newWindow = state.reset === undefined;
    if (signal.resetMs !== undefined) {
      const narrowed = narrowReset(state.reset, sentAt, receivedAt, signal.resetMs);
      state.reset = narrowed.interval;
      newWindow = narrowed.newWindow;
    }
    if (signal.remaining === undefined) return;
    // Answers arrive out of order: within one window the budget only shrinks, so a larger
    // `remaining` for the same window is stale.
    if (!newWindow && state.remaining !== undefined && signal.remaining > state.remaining) return;
    state.remaining = signal.remaining;
    // Calls released but not yet answered will spend from `remaining` too.
    const target = Math.max(0, signal.remaining - inFlight(state));
    if (state.mode !== "paced") {
      // Far above what could be in flight there is nothing to pace yet.
      // (Shared buckets stay paced: one process lifting the cap would lift it for all.)
      if (!this.connection && target > 4 * this.overall.concurrency) return this.setMode(state, "free");
      state.mode = "paced";
      if (this.connection) {
        // Shared: another process may already be spending this window; only the (single,
        // locked) refill at the window's end raises a shared budget.
        this.refillAt(state, state.reset?.hi ?? receivedAt + 1000);
        return;
      }
      await setReservoir(state.limiter, target);
      if (target === 0) this.refillAt(state, state.reset?.hi ?? receivedAt + 1000);
      return;
    }
    // Within a window the budget only shrinks: lowering it is safe whatever order concurrent
    // updates land in, while raising it could release calls twice. Refills raise it.
    let left: number | null = target;
    try {
      const current = await state.limiter.currentReservoir();
      if (current === null) await setReservoir(state.limiter, target);
      else if (target < current) await state.limiter.incrementReservoir(target - current);
      left = await state.limiter.currentReservoir();
      // A decrement racing a release can overshoot below zero; zero releases nothing either.
      if (left !== null && left < 0) await setReservoir(state.limiter, 0);
    } catch {
      // Redis unavailable for a moment: pacing falls back to the 429 path.
    }
    // Spent: nothing more runs in this bucket until the window resets.
    if (left !== null && left <= 0) this.refillAt(state, state.reset?.hi ?? receivedAt + 1000);
  }

  get pacing(): boolean {
    return this.options.pacing ?? true;
  }

  /** After a 429 to a call sent at `sentAt`: nothing more runs in this bucket until `waitMs` has passed. */
  async exhaust(bucketName: string, waitMs: number, sentAt: number, now: number = Date.now()): Promise<void> {
    if (!this.pacing) return;
    const state = this.bucket(bucketName);
    // Refused in a window that has since been refilled: the call just queues again.
    if (sentAt < state.refilledAt) return this.ensureRefill(state, now);
    state.mode = "paced";
    state.remaining = 0;
    // The narrowed reset interval is more precise than a whole-second wait, when it agrees with it.
    const hi = state.reset?.hi;
    const until = hi !== undefined && hi > now && hi <= now + waitMs ? hi : now + waitMs;
    await setReservoir(state.limiter, 0);
    this.refillAt(state, until);
  }

  private async claimRefill(state: BucketState, resetAt: number): Promise<boolean> {
    const key = `${this.options.redis?.keyPrefix ?? "paceline"}:refill:${state.limiter.id}:${Math.round(resetAt / 1000)}`;
    try {
      return (await this.redis?.set(key, "1", "PX", 60_000, "NX")) === "OK";
    } catch {
      return true;
    }
  }

  private async ensureRefill(state: BucketState, now: number): Promise<void> {
    if (state.mode !== "paced" || state.refill) return;
    let left: number | null = null;
    try {
      left = await state.limiter.currentReservoir();
    } catch {
      return;
    }
    if (left !== null && left <= 0)
      this.refillAt(state, state.reset && state.reset.hi > now ? state.reset.hi : now + 1000);
  }

  private refillAt(state: BucketState, resetAt: number): void {
    if (state.refill) clearTimeout(state.refill);
    const delay = Math.max(0, resetAt - Date.now()) + this.margin;
    state.refill = setTimeout(async () => {
      state.refill = undefined;
      state.remaining = undefined;
      state.reset = undefined;
      state.refilledAt = Date.now();
      // A known limit refills the window, less calls still in flight that may land in it; an
      // unknown limit lifts the cap until the next report.
      // Shared: every process schedules this refill; one wins the window's lock and refills.
      if (this.redis && !(await this.claimRefill(state, resetAt))) return;
      const running = inFlight(state);
      await setReservoir(
        state.limiter,
        state.limit === undefined ? null : Math.max(1, state.limit - running),
      );
    }, delay);
    state.refill.unref();
  }

  private async setMode(state: BucketState, mode: "free"): Promise<void> {
    if (state.mode === mode) return;
    state.mode = mode;
    await setReservoir(state.limiter, null);
  }

  async close(): Promise<void> {
    const quietly = async (action: () => unknown) => {
      try {
        await action();
      } catch {
        // Closing is best effort.
      }
    };
    for (const state of this.buckets.values()) {
      if (state.refill) clearTimeout(state.refill);
      await quietly(() => state.limiter.disconnect(false));
    }
    await quietly(() => this.connection?.disconnect(false));
  }
}
