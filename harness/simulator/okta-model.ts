import type { RateLimitSignal } from "../../client/backoff/rate-limit-headers.js";
import { type RateLimitConfig, RateLimiter, resetEpochSeconds } from "../fake-okta/rate-limits.js";
import type { Rng } from "../fake-okta/rng.js";
import type { EventLoop } from "./event-loop.js";

/**
 * Okta's limits in virtual time, seen through a Truto-style gateway: the fake Okta's own bucket
 * table and windows (`RateLimiter`: a window opens with the first request after the last one
 * ended, at its own millisecond), its concurrency limit, latency, and an optional storm of
 * injected 429s with short resets. The gateway reports `ratelimit-reset` as
 * `X-Rate-Limit-Reset − Date` in whole seconds, as the real gateway in `harness/gateway` does.
 */
export interface ModelOptions {
  limits: RateLimitConfig;
  /** Round-trip latency (ms); a quarter each way, half holding a concurrency slot. */
  latencyMs: number;
  /** Share of requests refused with an injected 429 whose reset is 1–2 s away. */
  stormShare?: number;
}

export interface ModelAnswer {
  status: 200 | 429;
  signal: RateLimitSignal;
  kind: "ok" | "bucket" | "concurrency" | "storm";
}

export interface ModelCounts {
  requests: number;
  ok: number;
  bucket429: number;
  concurrency429: number;
  storm429: number;
  peakInFlight: number;
}

export class OktaModel {
  private readonly limiter: RateLimiter;
  readonly counts: ModelCounts = {
    requests: 0,
    ok: 0,
    bucket429: 0,
    concurrency429: 0,
    storm429: 0,
    peakInFlight: 0,
  };

  constructor(
    private readonly loop: EventLoop,
    private readonly options: ModelOptions,
    private readonly rng: Rng,
  ) {
    this.limiter = new RateLimiter(options.limits, { now: () => loop.now });
  }

  request(method: string, path: string, answer: (result: ModelAnswer) => void): void {
    const leg = this.options.latencyMs / 4;
    this.loop.after(leg, () => {
      this.counts.requests++;
      const result = this.decide(method, path);
      const back = () => this.loop.after(leg, () => answer(result));
      if (result.kind === "concurrency") return back();
      this.counts.peakInFlight = Math.max(this.counts.peakInFlight, this.limiter.concurrentRequests);
      this.loop.after(2 * leg, () => {
        this.limiter.leave();
        back();
      });
    });
  }

  private decide(method: string, path: string): ModelAnswer {
    const now = this.loop.now;
    const rounding = this.options.limits.resetRounding;
    const report = (limit: number, remaining: number, resetAt: number): RateLimitSignal => ({
      limit,
      remaining,
      resetMs: Math.max(0, resetEpochSeconds(resetAt, rounding) - Math.floor(now / 1000)) * 1000,
    });
    if (!this.limiter.enter()) {
      this.counts.concurrency429++;
      return { status: 429, kind: "concurrency", signal: report(0, 0, now + 1000) };
    }
    const decision = this.limiter.take(method, path);
    if (!decision.allowed) {
      this.counts.bucket429++;
      return { status: 429, kind: "bucket", signal: report(decision.limit, 0, decision.resetAt) };
    }
    if (this.options.stormShare && this.rng.chance(this.options.stormShare)) {
      this.counts.storm429++;
      return {
        status: 429,
        kind: "storm",
        signal: report(decision.limit, 0, now + 1000 + this.rng.int(1001)),
      };
    }
    this.counts.ok++;
    return { status: 200, kind: "ok", signal: report(decision.limit, decision.remaining, decision.resetAt) };
  }
}
