import type { RateLimitSignal } from "../../client/backoff/rate-limit-headers.js";
import { type RateLimitConfig, RateLimiter, resetEpochSeconds } from "../fake-okta/rate-limits.js";
import type { Rng } from "../fake-okta/rng.js";
import type { EventLoop } from "./event-loop.js";

/**
 * Okta's limits in virtual time, seen through a Truto-style gateway: the fake Okta's own bucket
 * table and windows (`RateLimiter`, with its window model), its concurrency limit, latency, and an
 * optional storm of injected 429s with short resets. The gateway reports `ratelimit-reset` as
 * `X-Rate-Limit-Reset − Date` in whole seconds, as the real gateway in `harness/gateway` does, on
 * the answers its reporting setting names; in `http_429` mode a 429 is the MCP answer itself, with
 * the gateway's `Retry-After`. Every setting here has its twin in the harness.
 */
export interface ModelOptions {
  limits: RateLimitConfig;
  /** Round-trip latency (ms). */
  latencyMs: number;
  /**
   * The share of it spent at Okta, counted on arrival and holding a concurrency slot; the rest is
   * split between the two legs. Default 0.5. The harness's injected latency (a fault) sits all at
   * the fake Okta, after its count: there the share is the fault's part of the round trip.
   */
  serverShare?: number;
  /**
   * CPU each call costs on one event loop, in ms: calls are served one at a time on their way in,
   * so a burst queues. The harness runs client, gateway and fake Okta on one loop (about 2.5 ms a
   * call, `bench:calibrate` measures it); a real client's own loop costs it too, less. Default 0.
   */
  serviceMs?: number;
  /** Each round trip is `latencyMs × (1 ± jitter)`, uniform (0 = constant). */
  jitter?: number;
  /** This share of round trips takes `tailFactor` times as long (a long tail). */
  tailShare?: number;
  tailFactor?: number;
  /** Share of requests refused with an injected 429 whose reset is 1–2 s away. */
  stormShare?: number;
  /** Which answers carry the budget (the gateway's `rate_limit_reporting`). */
  reporting?: "always" | "on_429" | "never";
  /** How a 429 reaches the client (the gateway's `rate_limit_mode`). */
  rateLimitMode?: "tool_result" | "http_429";
}

export interface ModelAnswer {
  status: 200 | 429;
  signal: RateLimitSignal | undefined;
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

  /** When the event loop is next free (`serviceMs`). */
  private busyUntil = 0;

  constructor(
    private readonly loop: EventLoop,
    private readonly options: ModelOptions,
    private readonly rng: Rng,
  ) {
    this.limiter = new RateLimiter(options.limits, { now: () => loop.now });
  }

  /** One round trip's latency, drawn from the configured distribution. */
  private latency(): number {
    const { latencyMs, jitter = 0, tailShare = 0, tailFactor = 5 } = this.options;
    const spread = jitter > 0 ? 1 + jitter * (2 * this.rng.next() - 1) : 1;
    const tail = tailShare > 0 && this.rng.chance(tailShare) ? tailFactor : 1;
    return latencyMs * spread * tail;
  }

  request(method: string, path: string, answer: (result: ModelAnswer) => void): void {
    const latency = this.latency();
    const atServer = latency * (this.options.serverShare ?? 0.5);
    const leg = (latency - atServer) / 2;
    const arrive = () => this.arrive(method, path, leg, atServer, answer);
    this.loop.after(leg, () => {
      const serviceMs = this.options.serviceMs ?? 0;
      if (serviceMs <= 0) return arrive();
      // The loop serves one call at a time: this one waits for those before it.
      this.busyUntil = Math.max(this.busyUntil, this.loop.now) + serviceMs;
      this.loop.at(this.busyUntil, arrive);
    });
  }

  private arrive(
    method: string,
    path: string,
    leg: number,
    atServer: number,
    answer: (result: ModelAnswer) => void,
  ): void {
    this.counts.requests++;
    const result = this.decide(method, path);
    const back = () => this.loop.after(leg, () => answer(this.asReported(result)));
    if (result.kind === "concurrency") {
      back();
      return;
    }
    this.counts.peakInFlight = Math.max(this.counts.peakInFlight, this.limiter.concurrentRequests);
    this.loop.after(atServer, () => {
      this.limiter.leave();
      back();
    });
  }

  /** What the gateway lets the client see of an answer's budget. */
  private asReported(answer: ModelAnswer): ModelAnswer {
    const { reporting = "always", rateLimitMode = "tool_result" } = this.options;
    let signal = answer.signal;
    if (reporting !== "always" && answer.status === 200) signal = undefined;
    // `never`: a 429's envelope still forwards Okta's own headers (tool_result), an HTTP 429 nothing.
    if (reporting === "never" && answer.status === 429 && rateLimitMode === "http_429") signal = undefined;
    // In http_429 mode the gateway's Retry-After (its reported reset) is the client's word to wait.
    if (rateLimitMode === "http_429" && answer.status === 429 && signal?.resetMs !== undefined)
      signal = { ...signal, retryAfterMs: signal.resetMs };
    return { ...answer, signal };
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
