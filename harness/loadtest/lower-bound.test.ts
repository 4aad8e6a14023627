import { describe, expect, it } from "vitest";
import { LIMIT_PRESETS } from "../fake-okta/rate-limits.js";
import { lowerBound } from "./lower-bound.js";
import { boundFor } from "./run-loadtest.js";

describe("the audit loop's lower bound T*", () => {
  it("U=500, P=200, one bucket of 100/min, C=75, d=0.1 s: rate-bound, 300.1 s (harness-anchors §4)", () => {
    // N = 3 + 500 = 503 (one call per user); ⌈503/100⌉ − 1 = 5 full windows of 60 s, plus d.
    const bound = lowerBound({
      users: 500,
      pageSize: 200,
      callsPerUser: 1,
      concurrency: 75,
      latencyMs: 100,
      buckets: [{ name: "all", calls: 503, limit: 100, windowMs: 60_000 }],
    });
    expect(bound).toMatchObject({
      pages: 3,
      totalCalls: 503,
      rateMs: 300_100,
      lowerBoundMs: 300_100,
      limitedBy: "rate",
    });
  });

  it("U=500, 600/min, C=75, d=0.1 s: concurrency-bound, 0.8 s", () => {
    // One window holds every call; 1 + ⌈502/75⌉ = 8 rounds of 0.1 s.
    const bound = lowerBound({
      users: 500,
      pageSize: 200,
      callsPerUser: 1,
      concurrency: 75,
      latencyMs: 100,
      buckets: [{ name: "all", calls: 503, limit: 600, windowMs: 60_000 }],
    });
    expect(bound).toMatchObject({ concurrencyMs: 800, lowerBoundMs: 800, limitedBy: "concurrency" });
  });

  it("U=500, 600/min, C=5, d=0.2 s: 20.4 s", () => {
    const bound = lowerBound({
      users: 500,
      pageSize: 200,
      callsPerUser: 1,
      concurrency: 5,
      latencyMs: 200,
      buckets: [{ name: "all", calls: 503, limit: 600, windowMs: 60_000 }],
    });
    expect(bound.lowerBoundMs).toBe(200 * (1 + Math.ceil(502 / 5)));
    expect(bound.lowerBoundMs).toBe(20_400);
  });

  it("a long cursor chain binds when calls are few and fast", () => {
    const bound = lowerBound({
      users: 1000,
      pageSize: 10,
      callsPerUser: 0,
      concurrency: 1000,
      latencyMs: 50,
      buckets: [],
    });
    expect(bound).toMatchObject({ pages: 100, pathMs: 101 * 50, limitedBy: "path" });
  });

  it("the busiest of several buckets binds", () => {
    const bound = lowerBound({
      users: 120,
      pageSize: 200,
      callsPerUser: 2,
      concurrency: 16,
      latencyMs: 10,
      buckets: [
        { name: "list", calls: 1, limit: 60, windowMs: 1000 },
        { name: "other", calls: 240, limit: 60, windowMs: 1000 },
      ],
    });
    // 240 calls at 60/s: 3 full windows, then the last 60 go 16 at a time: ⌈60/16⌉ = 4 rounds of d.
    expect(bound.rateMs).toBe(3 * 1000 + 4 * 10);
  });

  it("the last window's calls cannot start before it opens, and go C at a time", () => {
    // 1000 calls at 600/min with C=16, d=0.1 s: one full window, then 400 calls in ⌈400/16⌉ = 25 rounds.
    const bound = lowerBound({
      users: 1000,
      pageSize: 1000,
      callsPerUser: 1,
      concurrency: 16,
      latencyMs: 100,
      buckets: [{ name: "other", calls: 1000, limit: 600, windowMs: 60_000 }],
    });
    expect(bound.rateMs).toBe(60_000 + 25 * 100);
  });

  it("maps the audit's calls to the fake Okta's buckets: tight preset, 500 users", () => {
    // Roles and groups share Okta's 'other' bucket: 1000 calls at 60/s → 16 full windows, then the
    // last 40 calls in ⌈40/16⌉ = 3 rounds of 20 ms.
    const bound = boundFor({ limits: LIMIT_PRESETS.tight, pageSize: 200, concurrency: 16 }, 500, 20);
    expect(bound).toMatchObject({ pages: 3, totalCalls: 1003, rateMs: 16 * 1000 + 60, limitedBy: "rate" });
  });
});
