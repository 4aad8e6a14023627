import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import pLimit, { type LimitFunction } from "p-limit";
import {
  type BucketState,
  ensureRefill,
  initialBucket,
  onAnswer,
  onRefill,
  onRefused,
  onRelease,
  onReturned,
  type PolicyOptions,
} from "./bucket-policy.js";
import {
  type ConcurrencyState,
  initialConcurrency,
  onCallSucceeded,
  onConcurrencyRefused,
} from "./concurrency-policy.js";
import type { RateLimitSignal } from "./rate-limit-headers.js";
import { SharedBuckets } from "./shared-buckets.js";

/**
 * Carries out the pacing policy (`bucket-policy.ts`, `concurrency-policy.ts`): bottleneck is each
 * bucket's queue, its reservoir set to the budget the policy decides, and (with `redis`) the store
 * several processes share; a semaphore (p-limit) holds calls in flight to the concurrency cap. The
 * client reports each call's outcome; this class turns it into the policy's state and timers.
 */
export interface LimiterOptions {
  /** Calls in flight across all buckets, at most. Default 8. */
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
  /** Added to every refill timer, against clock skew between hosts. Default 25 ms. */
  resetMarginMs?: number;
  /**
   * Pace from the server's budget (default true). False keeps only the concurrency cap: a 429
   * then delays the call that met it and no other (the "retry-only" strategy of a load test).
   */
  pacing?: boolean;
  /** Learn from the answers which tools spend one budget (default true). */
  learnBuckets?: boolean;
  /** Sees each policy step of each bucket (for tracing and debugging). */
  onPolicy?: (event: { bucket: string; step: PolicyStep; state: BucketState; at: number }) => void;
}

export type PolicyStep = "answered" | "refused" | "concurrency-refused" | "unanswered" | "refill";

export interface ThrottleEvent {
  bucket: string;
  /** How long the call waited for budget or a free slot. */
  waitedMs: number;
}

/** What the client saw of one call, for the policy. */
export interface CallOutcome {
  sentAt: number;
  receivedAt: number;
  signal?: RateLimitSignal;
}

interface Bucket {
  name: string;
  state: BucketState;
  limiter: Bottleneck;
  /** Calls of this bucket released (by its budget) and not yet answered. */
  inFlight: number;
  timer?: NodeJS.Timeout;
  timerAt?: number;
}

const expiredKeyError = (error: unknown) =>
  /SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT/.test(String((error as Error)?.message));

export class BucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly shared = new SharedBuckets();
  private readonly slots: LimitFunction;
  private concurrency: ConcurrencyState;
  private readonly policy: PolicyOptions;
  private readonly connection?: Bottleneck.IORedisConnection;
  private readonly redis?: Redis;
  private readonly margin: number;
  private closed = false;

  constructor(
    private readonly options: LimiterOptions = {},
    private readonly onThrottled: (event: ThrottleEvent) => void = () => {},
  ) {
    const max = options.maxConcurrent ?? 8;
    this.slots = pLimit(max);
    this.concurrency = initialConcurrency(max);
    this.margin = options.resetMarginMs ?? 25;
    // Shared buckets stay paced: one process lifting the cap would lift it for all.
    this.policy = { freeAbove: options.redis ? Number.POSITIVE_INFINITY : 4 * max, firstBudget: max };
    if (options.redis) {
      const client = new Redis(options.redis.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
      // Connection trouble surfaces as failed schedules; unhandled error events would crash the host.
      client.on("error", () => {});
      this.redis = client;
      this.connection = new Bottleneck.IORedisConnection({ client });
      this.connection.on("error", () => {});
    }
  }

  get pacing(): boolean {
    return this.options.pacing ?? true;
  }

  /** The calls-in-flight cap the concurrency policy has set. */
  get concurrencyCap(): number {
    return this.concurrency.cap;
  }

  /** The bucket a tool's declared bucket spends from now (merged buckets answer for each other). */
  resolve(name: string): string {
    return this.options.learnBuckets === false ? name : this.shared.resolve(name);
  }

  /** A snapshot of a bucket's policy state (for tests and traces). */
  stateOf(name: string): BucketState | undefined {
    return this.buckets.get(this.resolve(name))?.state;
  }

  private bucket(declared: string): Bucket {
    const name = this.resolve(declared);
    let bucket = this.buckets.get(name);
    if (!bucket) {
      const state = initialBucket(this.policy);
      bucket = { name, state, limiter: this.createLimiter(name, state.budget), inFlight: 0 };
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  private createLimiter(name: string, reservoir: number | null): Bottleneck {
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

  /** Runs `fn` once its bucket has budget and a slot is free. */
  async schedule<T>(declared: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error("paceline: the client is closed");
    const bucket = this.bucket(declared);
    const queuedAt = performance.now();
    const run = async (): Promise<T> => {
      // Merged into another bucket while it queued: queue there instead.
      if (this.resolve(declared) !== bucket.name) return this.schedule(declared, fn);
      // Released: it spends budget now, though it may still wait for a slot.
      if (this.pacing && bucket.state.budget !== null) bucket.state = onRelease(bucket.state);
      bucket.inFlight++;
      try {
        return await this.slots(async () => {
          const waitedMs = performance.now() - queuedAt;
          if (waitedMs >= 1) this.onThrottled({ bucket: bucket.name, waitedMs });
          return fn();
        });
      } finally {
        bucket.inFlight--;
      }
    };
    // Far from any limit there is nothing to pace, and bottleneck's bookkeeping costs a few
    // milliseconds a call: straight to the slots.
    if (!this.pacing || (!this.connection && bucket.state.budget === null)) return run();
    this.holdProcess(bucket, true);
    try {
      return await bucket.limiter.schedule({ expiration: this.connection ? 120_000 : undefined }, run);
    } catch (error) {
      if (!expiredKeyError(error)) throw error;
      // Redis dropped the bucket's keys (idle TTL): start it afresh and run the call again.
      bucket.limiter = this.createLimiter(bucket.name, bucket.state.budget);
      return bucket.limiter.schedule(run);
    } finally {
      this.holdProcess(bucket, false);
    }
  }

  /** A call was answered (not refused): the bucket learns from its report. */
  answered(declared: string, outcome: CallOutcome): void {
    this.concurrency = onCallSucceeded(this.concurrency);
    this.slots.concurrency = this.concurrency.cap;
    if (!this.pacing) return;
    const bucket = this.bucket(declared);
    const exchange = { ...outcome, inFlight: bucket.inFlight };
    bucket.state = onAnswer(bucket.state, outcome.signal, exchange, this.policy);
    this.trace(bucket, "answered", outcome.receivedAt);
    if (this.options.learnBuckets !== false) {
      const merged = this.shared.observe(bucket.name, outcome.signal, outcome.sentAt, outcome.receivedAt);
      if (merged) this.merge(merged.merged);
    }
    this.apply(bucket, outcome.receivedAt);
  }

  /** A call met a rate-limit 429: the bucket holds until the policy says. */
  refused(declared: string, outcome: CallOutcome): void {
    if (!this.pacing) return;
    const bucket = this.bucket(declared);
    bucket.state = onRefused(bucket.state, outcome.signal, { ...outcome, inFlight: bucket.inFlight });
    this.trace(bucket, "refused", outcome.receivedAt);
    this.apply(bucket, outcome.receivedAt);
  }

  /** A call met the org's concurrency limit: fewer in flight; the bucket's budget unit comes back. */
  concurrencyRefused(declared: string, outcome: CallOutcome): void {
    this.concurrency = onConcurrencyRefused(this.concurrency, outcome.sentAt, outcome.receivedAt);
    this.slots.concurrency = this.concurrency.cap;
    if (!this.pacing) return;
    const bucket = this.bucket(declared);
    bucket.state = onReturned(bucket.state);
    this.trace(bucket, "concurrency-refused", outcome.receivedAt);
    this.apply(bucket, outcome.receivedAt);
  }

  /** A call got no answer (network failure): nothing learnt, but a spent bucket must still refill. */
  unanswered(declared: string, at: number = Date.now()): void {
    if (!this.pacing) return;
    this.apply(this.bucket(declared), at);
  }

  private trace(bucket: Bucket, step: PolicyStep, at: number): void {
    this.options.onPolicy?.({ bucket: bucket.name, step, state: bucket.state, at });
  }

  /** A bucket merged into another: its queued calls drain into the other (see `run`). */
  private merge(name: string): void {
    const bucket = this.buckets.get(name);
    if (!bucket) return;
    this.buckets.delete(name);
    if (bucket.timer) clearTimeout(bucket.timer);
    void this.tell(bucket, null);
  }

  /** Tells bottleneck the budget, and arms the refill timer the policy asks for. */
  private apply(bucket: Bucket, now: number): void {
    bucket.state = ensureRefill(bucket.state, now, bucket.inFlight);
    void this.tell(bucket, bucket.state.budget);
    const at = bucket.state.refillAt;
    if (at === undefined || at === bucket.timerAt) return;
    if (bucket.timer) clearTimeout(bucket.timer);
    bucket.timerAt = at;
    bucket.timer = setTimeout(() => void this.refill(bucket, at), Math.max(0, at - Date.now()) + this.margin);
    this.holdProcess(bucket, this.queued(bucket) > 0);
  }

  private async refill(bucket: Bucket, at: number): Promise<void> {
    bucket.timer = undefined;
    bucket.timerAt = undefined;
    if (this.closed || bucket.state.refillAt !== at) return;
    // Shared: every process schedules this refill; one wins the moment's lock and probes.
    if (this.redis && !(await this.claim(bucket, at))) {
      bucket.state = { ...bucket.state, refillAt: undefined };
      return this.apply(bucket, Date.now());
    }
    bucket.state = onRefill(bucket.state, Date.now());
    this.trace(bucket, "refill", Date.now());
    await this.tell(bucket, bucket.state.budget);
  }

  private async claim(bucket: Bucket, at: number): Promise<boolean> {
    const key = `${this.options.redis?.keyPrefix ?? "paceline"}:refill:${bucket.name}:${Math.round(at / 100)}`;
    try {
      return (await this.redis?.set(key, "1", "PX", 60_000, "NX")) === "OK";
    } catch {
      return true;
    }
  }

  /** bottleneck counts releases down itself; the policy's budget counts them too, so setting it is safe. */
  private async tell(bucket: Bucket, budget: number | null): Promise<void> {
    try {
      await bucket.limiter.updateSettings({ reservoir: budget });
    } catch {
      // Redis unavailable for a moment: the next report tells it again, and 429s still pace.
    }
  }

  private queued(bucket: Bucket): number {
    const counts = bucket.limiter.counts();
    return (counts.RECEIVED ?? 0) + (counts.QUEUED ?? 0);
  }

  /** A refill timer keeps the process alive while calls wait for it, and only then. */
  private holdProcess(bucket: Bucket, waiting: boolean): void {
    if (!bucket.timer) return;
    if (waiting || this.queued(bucket) > 0) bucket.timer.ref();
    else bucket.timer.unref();
  }

  /** Stops every bucket; calls still queued fail with a clear error. */
  async close(): Promise<void> {
    this.closed = true;
    const quietly = async (action: () => unknown) => {
      try {
        await action();
      } catch {
        // Closing is best effort.
      }
    };
    for (const bucket of this.buckets.values()) {
      if (bucket.timer) clearTimeout(bucket.timer);
      await quietly(() =>
        bucket.limiter.stop({ dropWaitingJobs: true, dropErrorMessage: "paceline: the client was closed" }),
      );
      await quietly(() => bucket.limiter.disconnect(false));
    }
    await quietly(() => this.connection?.disconnect(false));
  }
}
