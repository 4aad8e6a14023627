import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import type { BucketState } from "./bucket-policy.js";
import { PacingCore, type PolicyStep, type Ticket } from "./pacing-core.js";
import type { WaitClock } from "./wait-clock.js";

/**
 * The pacing core in real time, and (with `redis`) bottleneck's shared store as a second gate so
 * several processes spend one budget: each process tells the shared reservoir the budget its
 * answers show, every release from any process spends it, and a spent bucket's refill is
 * claimed by one process at a time.
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
  /**
   * Pace every bucket from its budget, however large (default false: a bucket far above what
   * could be in flight skips the queue). Shared (Redis) buckets are always paced.
   */
  alwaysPace?: boolean;
  /** Sees each policy step of each bucket (for tracing and debugging). */
  onPolicy?: (event: { bucket: string; step: PolicyStep; state: BucketState; at: number }) => void;
}

export type { Outcome, PolicyStep, Ticket } from "./pacing-core.js";

export interface ThrottleEvent {
  bucket: string;
  /** How long the call waited for budget or a free slot. */
  waitedMs: number;
}

/** How long a call may wait at the shared gate before one probe is let through. */
const GATE_NUDGE_MS = 1000;

const expiredKeyError = (error: unknown) =>
  /SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT/.test(String((error as Error)?.message));

export class BucketLimiter {
  private readonly core: PacingCore;
  private readonly gates = new Map<string, Bottleneck>();
  private readonly connection?: Bottleneck.IORedisConnection;
  private readonly redis?: Redis;
  private closed = false;

  constructor(
    private readonly options: LimiterOptions = {},
    private readonly onThrottled: (event: ThrottleEvent) => void = () => {},
    /** Told when each call starts and stops waiting in the queue. */
    private readonly waitClock?: WaitClock,
  ) {
    const margin = options.resetMarginMs ?? 25;
    this.core = new PacingCore(
      {
        maxConcurrent: options.maxConcurrent ?? 8,
        pacing: options.pacing ?? true,
        learnBuckets: options.learnBuckets ?? true,
        // Shared buckets stay paced: one process lifting the cap would lift it for all.
        freeAbove: options.redis || options.alwaysPace ? Number.POSITIVE_INFINITY : undefined,
        onPolicy: (event) => {
          options.onPolicy?.(event);
          if (this.connection) void this.share(event.bucket, event.step, event.state);
        },
      },
      {
        now: () => Date.now(),
        at: (at, fn) => {
          const timer = setTimeout(fn, Math.max(0, at - Date.now()) + margin);
          return {
            cancel: () => clearTimeout(timer),
            // A refill timer keeps the process alive while calls wait for it, and only then.
            hold: (keepAlive) => (keepAlive ? timer.ref() : timer.unref()),
          };
        },
      },
    );
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

  /** Calls waiting for budget or a slot now. */
  queued(): number {
    return this.core.queued();
  }

  get concurrencyCap(): number {
    return this.core.concurrencyCap;
  }

  /** The bucket a declared bucket spends from now (merged buckets answer for each other). */
  resolve(name: string): string {
    return this.core.resolve(name);
  }

  /**
   * Runs one attempt once its bucket has budget and a slot is free. The attempt reports its
   * outcome on the ticket; one that does not (it threw first) is counted as unanswered.
   */
  schedule<T>(declared: string, attempt: (ticket: Ticket) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("paceline: the client is closed"));
    const queuedAt = performance.now();
    const stopWaiting = this.waitClock?.begin();
    return new Promise<T>((resolve, reject) => {
      this.core.enqueue(declared, (ticket) => {
        stopWaiting?.();
        const waitedMs = performance.now() - queuedAt;
        if (waitedMs >= 1) this.onThrottled({ bucket: ticket.bucket, waitedMs });
        const run = this.connection
          ? () => this.throughGate(ticket.bucket, () => attempt(ticket))
          : () => attempt(ticket);
        if (!this.closed)
          run()
            .then(resolve, reject)
            .finally(() => ticket.unanswered());
        else {
          ticket.unanswered();
          reject(new Error("paceline: the client was closed while the call waited"));
        }
      });
    });
  }

  private gate(bucket: string): Bottleneck {
    let gate = this.gates.get(bucket);
    if (!gate && this.connection && this.options.redis) {
      gate = new Bottleneck({
        id: `${this.options.redis.keyPrefix ?? "paceline"}:${bucket}`,
        datastore: "ioredis",
        connection: this.connection,
        timeout: this.options.redis.keyTtlMs ?? null,
        clearDatastore: false,
      });
      gate.on("error", () => {});
      this.gates.set(bucket, gate);
    }
    return gate as Bottleneck;
  }

  private async throughGate<T>(bucket: string, fn: () => Promise<T>): Promise<T> {
    // The shared reservoir is raised by answers; if every process waits at the gate, no answer
    // comes. While this call waits, one process a moment lets one probe through, so the budget
    // is always found again (and the waiting call keeps the process alive).
    let waiting = true;
    const nudge = setInterval(() => void this.nudge(bucket), GATE_NUDGE_MS);
    const run = () => {
      waiting = false;
      clearInterval(nudge);
      return fn();
    };
    try {
      return await this.gate(bucket).schedule({ expiration: 120_000 }, run);
    } catch (error) {
      if (!expiredKeyError(error)) throw error;
      // Redis dropped the bucket's keys (idle TTL): start it afresh and run the call again.
      this.gates.delete(bucket);
      return await this.gate(bucket).schedule(run);
    } finally {
      if (waiting) clearInterval(nudge);
    }
  }

  private async nudge(bucket: string): Promise<void> {
    if (this.closed || !(await this.claim(bucket, Date.now()))) return;
    try {
      const gate = this.gate(bucket);
      const left = await gate.currentReservoir();
      if (left !== null && left <= 0) await gate.incrementReservoir(1);
    } catch {
      // Redis unavailable for a moment: the next nudge tries again.
    }
  }

  /**
   * Tells the shared reservoir what this process's answers show: the budget after an answer (a
   * later answer from any process corrects it), and one probe after a refill this process claimed.
   */
  private async share(bucket: string, step: PolicyStep, state: BucketState): Promise<void> {
    if (step === "refill" && !(await this.claim(bucket, state.refilledAt))) return;
    try {
      await this.gate(bucket).updateSettings({ reservoir: state.budget });
    } catch {
      // Redis unavailable for a moment: the next answer tells it again, and 429s still pace.
    }
  }

  private async claim(bucket: string, at: number): Promise<boolean> {
    const key = `${this.options.redis?.keyPrefix ?? "paceline"}:refill:${bucket}:${Math.round(at / 250)}`;
    try {
      return (await this.redis?.set(key, "1", "PX", 60_000, "NX")) === "OK";
    } catch {
      return true;
    }
  }

  /** Stops every bucket; calls still queued fail with a clear error. */
  async close(): Promise<void> {
    this.closed = true;
    this.core.drain((start) =>
      start({
        bucket: "",
        answered: () => {},
        refused: () => {},
        concurrencyRefused: () => {},
        unanswered: () => {},
      }),
    );
    const quietly = async (action: () => unknown) => {
      try {
        await action();
      } catch {
        // Closing is best effort.
      }
    };
    for (const gate of this.gates.values()) {
      await quietly(() =>
        gate.stop({ dropWaitingJobs: true, dropErrorMessage: "paceline: the client was closed" }),
      );
      await quietly(() => gate.disconnect(false));
    }
    await quietly(() => this.connection?.disconnect(false));
    this.redis?.disconnect();
  }
}
