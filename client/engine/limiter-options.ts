import type { PolicyEvent } from "../backoff/pacing-core.js";
import type { RetryOptions } from "../backoff/retry-policy.js";
import { CallEngine } from "./call-engine.js";
import { realTimers } from "./real-timers.js";
import { RedisBudget } from "./redis-budget.js";

export type { PolicyStep } from "../backoff/pacing-core.js";

export interface LimiterOptions {
  /** Calls in flight across all buckets, at most. Default 8. */
  maxConcurrent?: number;
  /** Share budgets across processes through Redis: a unit is claimed there before a local slot. */
  redis?: {
    url: string;
    /** Key namespace; processes with the same one share budgets. Default `paceline`. */
    keyPrefix?: string;
    /** The longest a shared budget key lives. Default: until the server's reported reset. */
    keyTtlMs?: number;
  };
  /**
   * Added to every refill timer. Default 0: the policy learns a window's edge from its own clock
   * and already allows a reported reset to be 2 s early or 1 s late (clock skew included), so a
   * margin only delays every window's first call (25 ms cost 2.5% of the time at 1 s windows).
   */
  resetMarginMs?: number;
  /**
   * Pace from the server's budget (default true). False keeps only the concurrency cap: a 429
   * then delays the call that met it and no other (the "retry-only" strategy of a load test).
   */
  pacing?: boolean;
  /** Learn from the answers which undeclared tools spend one budget (default true). */
  learnBuckets?: boolean;
  /**
   * Pace every bucket from its budget, however large (default false: a bucket far above what
   * could be in flight skips the queue). Shared (Redis) buckets are always paced.
   */
  alwaysPace?: boolean;
  /** Sees each policy step of each bucket (for tracing and debugging), after the step. */
  onPolicy?: (event: PolicyEvent) => void;
}

/** The call engine in real time, as `PacedClient` and `pacedFetch` configure it. */
export function realTimeEngine(
  limiter: LimiterOptions = {},
  retry: RetryOptions | undefined,
  hooks: {
    onPolicy?: (event: PolicyEvent) => void;
    onHookError?: (error: unknown, hook: string) => void;
  } = {},
): CallEngine {
  return new CallEngine({
    timers: realTimers(),
    maxConcurrent: limiter.maxConcurrent,
    pacing: limiter.pacing,
    learnBuckets: limiter.learnBuckets,
    // Shared buckets stay paced: one process lifting the cap would lift it for all.
    freeAbove: limiter.redis || limiter.alwaysPace ? Number.POSITIVE_INFINITY : undefined,
    resetMarginMs: limiter.resetMarginMs,
    retry,
    shared: limiter.redis ? new RedisBudget(limiter.redis) : undefined,
    onPolicy: (event) => {
      // The user's hook may throw (the engine reports it); paceline's own still sees the step.
      try {
        limiter.onPolicy?.(event);
      } finally {
        hooks.onPolicy?.(event);
      }
    },
    onHookError: hooks.onHookError,
  });
}
