import { z } from "zod";
import type { Clock } from "../shared/clock.js";

/**
 * Okta's per-endpoint rate-limit buckets: a request is counted in the bucket whose rule matches its
 * method and path — an exact template first, then the longest prefix (okta-api.md section 3) — plus
 * an org-wide cap on requests in flight.
 */
export const BucketRuleSchema = z.strictObject({
  name: z.string().min(1),
  methods: z
    .array(z.enum(["GET", "POST", "PUT", "DELETE", "PATCH"]))
    .min(1)
    .optional(),
  /** A path template: `{id}` matches one segment; a trailing `*` makes it a prefix. */
  path: z.string().startsWith("/"),
  limit: z.number().int().nonnegative(),
  /** Overrides the config's window for this bucket. */
  windowMs: z.number().int().positive().optional(),
});

/**
 * How a window's end (epoch milliseconds) becomes the whole epoch seconds of `X-Rate-Limit-Reset`.
 * Okta documents whole seconds, not the rounding (okta-api.md §3): `up` (the default) never reports
 * a reset before the real one, `down` reports up to a second early. Clients are tested under both.
 */
export const ResetRoundingSchema = z.enum(["up", "down"]);

/**
 * When a bucket's window opens. Okta says only that windows "are not aligned to wall-clock
 * minutes" (okta-api.md §3), so both readings are settings and clients are tested under each:
 * `first-request` (the default): a window opens with the first request after the last one ended,
 * at that request's millisecond; `periodic`: windows follow each other on a fixed grid, offset by
 * `windowPhaseMs` from the epoch (a phase the client cannot know).
 */
export const WindowModelSchema = z.enum(["first-request", "periodic"]);

export const RateLimitConfigSchema = z.strictObject({
  windowMs: z.number().int().positive(),
  /** Simultaneous requests allowed org-wide; 0 means unlimited. */
  concurrency: z.number().int().nonnegative(),
  buckets: z.array(BucketRuleSchema),
  resetRounding: ResetRoundingSchema.optional(),
  windowModel: WindowModelSchema.optional(),
  windowPhaseMs: z.number().int().nonnegative().optional(),
});

export type BucketRule = z.infer<typeof BucketRuleSchema>;
export type RateLimitConfig = z.infer<typeof RateLimitConfigSchema>;

/** Okta's published per-minute defaults (Enterprise column) and its 75-request concurrency limit. */
const OKTA_BUCKETS = (scale: number): BucketRule[] => [
  { name: "users-get", methods: ["GET"], path: "/api/v1/users/{id}", limit: 1000 / scale },
  {
    name: "users-write",
    methods: ["POST", "PUT", "DELETE"],
    path: "/api/v1/users/{id}*",
    limit: 600 / scale,
  },
  { name: "users-list-create", methods: ["GET", "POST"], path: "/api/v1/users", limit: 600 / scale },
  { name: "groups-list-create", path: "/api/v1/groups", limit: 600 / scale },
  { name: "groups-id", path: "/api/v1/groups/{id}*", limit: 600 / scale },
  { name: "logs", path: "/api/v1/logs*", limit: 50 / scale },
  { name: "apps", path: "/api/v1/apps*", limit: 100 / scale },
  { name: "other", path: "/api/v1/*", limit: 600 / scale },
];

export const LIMIT_PRESETS = {
  /** Okta's real budgets: per-minute windows. What `serve` defaults to. */
  okta: { windowMs: 60_000, concurrency: 75, buckets: OKTA_BUCKETS(1) },
  /** The same shape with budgets a tenth as large and one-second windows: fast tests, real pressure. */
  tight: { windowMs: 1_000, concurrency: 20, buckets: OKTA_BUCKETS(10) },
  /** No limits at all: unthrottled benchmarks. Headers still report a large budget. */
  none: { windowMs: 60_000, concurrency: 0, buckets: [] },
} satisfies Record<string, RateLimitConfig>;

export type LimitPreset = keyof typeof LIMIT_PRESETS;

export interface RateDecision {
  bucket: string;
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the bucket's window ends, in epoch milliseconds. */
  resetAt: number;
}

interface BucketState {
  rule: BucketRule;
  windowMs: number;
  matcher: RegExp;
  prefix: boolean;
  /** Length of the literal template, for longest-prefix matching. */
  specificity: number;
  windowStart: number;
  used: number;
}

const UNLIMITED = 1_000_000;

export class RateLimiter {
  private readonly buckets: BucketState[];
  private inFlight = 0;

  constructor(
    readonly config: RateLimitConfig,
    private readonly clock: Clock,
  ) {
    this.buckets = config.buckets.map((rule) => {
      const prefix = rule.path.endsWith("*");
      const template = prefix ? rule.path.slice(0, -1) : rule.path;
      const pattern = template
        .split("/")
        .map((segment) =>
          /^\{\w+\}$/.test(segment) ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
        )
        .join("/");
      return {
        rule,
        windowMs: rule.windowMs ?? config.windowMs,
        matcher: new RegExp(prefix ? `^${pattern}` : `^${pattern}$`),
        prefix,
        specificity: template.length,
        windowStart: 0,
        used: 0,
      };
    });
  }

  /** The bucket for a request: exact template match wins, then the longest matching prefix. */
  private match(method: string, path: string): BucketState | undefined {
    let best: BucketState | undefined;
    for (const bucket of this.buckets) {
      if (bucket.rule.methods && !bucket.rule.methods.includes(method as "GET")) continue;
      if (!bucket.matcher.test(path)) continue;
      if (!bucket.prefix) return bucket;
      if (!best || bucket.specificity > best.specificity) best = bucket;
    }
    return best;
  }

  /** Counts one request against its bucket; `allowed` is false once the window's budget is spent. */
  take(method: string, path: string): RateDecision {
    return this.decide(method, path, true);
  }

  /** The bucket's state without counting a request (for responses refused before the bucket). */
  peek(method: string, path: string): RateDecision {
    return this.decide(method, path, false);
  }

  private decide(method: string, path: string, count: boolean): RateDecision {
    const now = this.clock.now();
    const bucket = this.match(method, path);
    if (!bucket) {
      return {
        bucket: "unlimited",
        allowed: true,
        limit: UNLIMITED,
        remaining: UNLIMITED,
        resetAt: now + this.config.windowMs,
      };
    }
    if (now >= bucket.windowStart + bucket.windowMs) {
      bucket.windowStart = this.windowStartAt(now, bucket.windowMs);
      bucket.used = 0;
    }
    const limit = bucket.rule.limit;
    const allowed = bucket.used < limit;
    if (count && allowed) bucket.used++;
    return {
      bucket: bucket.rule.name,
      allowed: !count || allowed,
      limit,
      remaining: Math.max(0, limit - bucket.used),
      resetAt: bucket.windowStart + bucket.windowMs,
    };
  }

  /**
   * Where the window holding `now` starts. By default it opens with this request, at its own
   * millisecond: Okta's windows are not aligned to the minute or to whole seconds (okta-api.md §3).
   * Periodic windows sit on a fixed grid shifted by the phase.
   */
  private windowStartAt(now: number, windowMs: number): number {
    if (this.config.windowModel !== "periodic") return now;
    const phase = (this.config.windowPhaseMs ?? 0) % windowMs;
    return Math.floor((now - phase) / windowMs) * windowMs + phase;
  }

  /** Claims a slot for a request in flight; false when the org's concurrency limit is reached. */
  enter(): boolean {
    if (this.config.concurrency > 0 && this.inFlight >= this.config.concurrency) return false;
    this.inFlight++;
    return true;
  }

  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  get concurrentRequests(): number {
    return this.inFlight;
  }
}

/** A window's end as the whole epoch seconds Okta reports. */
export function resetEpochSeconds(resetAt: number, rounding: "up" | "down" = "up"): number {
  return rounding === "up" ? Math.ceil(resetAt / 1000) : Math.floor(resetAt / 1000);
}

/** Okta's `X-Rate-Limit-*` headers for a decision. Reset is in epoch seconds. */
export function rateLimitHeaders(decision: RateDecision, rounding?: "up" | "down"): Record<string, string> {
  return {
    "x-rate-limit-limit": String(decision.limit),
    "x-rate-limit-remaining": String(decision.remaining),
    "x-rate-limit-reset": String(resetEpochSeconds(decision.resetAt, rounding)),
  };
}
