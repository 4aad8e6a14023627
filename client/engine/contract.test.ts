import { describe, expect, it } from "vitest";
import type { PolicyEvent } from "../backoff/pacing-core.js";
import type { RateLimitSignal } from "../backoff/rate-limit-headers.js";
import { ClientClosedError, RateLimitedError } from "../errors.js";
import type { Claim, SharedBudget } from "./call-engine.js";
import { MAX_TIMER_MS, realTimers } from "./real-timers.js";
import { type Reply, START, sendsOf, VirtualRun } from "./test-helpers.js";

/**
 * The call contract (README, "The call contract"), one rule at a time, each in virtual time
 * against a scripted server. The expected times come from the rules and the scripts, worked by
 * hand in each test's comment.
 */
const ok = (latencyMs = 100, report?: RateLimitSignal): Reply => ({ kind: "ok", latencyMs, report });

describe("rule 1: every call settles by its deadline", () => {
  it("a 429'd write is not re-sent past its deadline, and no queued write is sent in its last moments", async () => {
    // deadline 1500 ms, so no attempt starts after 750 ms (minAttemptMs: min(1000, 1500/2)).
    // Call 0 meets a 429 asking for 1 s at 100 ms: 100 + 1000 + 750 > 1500, so it fails at once.
    // The eight writes behind it wait for the bucket (held until 1100 ms) and fail at 750 ms.
    const run = new VirtualRun(
      (call) =>
        call === 0
          ? { kind: "429", latencyMs: 100, report: { retryAfterMs: 1000, limit: 10, remaining: 0 } }
          : ok(),
      { maxConcurrent: 1, retry: { deadlineMs: 1500 } },
    );
    await run.run(Array.from({ length: 9 }, () => ({ bucket: "users", write: true })));
    for (const entry of run.log) if (entry.type === "send") expect(entry.at).toBeLessThanOrEqual(750);
    for (const result of run.results) {
      expect(result.settled).toBe(true);
      expect(result.at).toBeLessThanOrEqual(1500);
    }
    expect(sendsOf(run.log, 0)).toHaveLength(1);
    const first = run.results[0]?.error as RateLimitedError;
    expect(first).toBeInstanceOf(RateLimitedError);
    expect(first.retryAfterMs).toBe(1000);
    expect(run.results[0]?.at).toBe(100);
  });

  it("a wait the server asks for past the deadline fails at once, carrying the server's wait", async () => {
    const run = new VirtualRun(() => ({ kind: "429", latencyMs: 50, report: { retryAfterMs: 200_000 } }), {
      retry: { maxWaitMs: 300_000 },
    });
    await run.run([{ bucket: "users" }]);
    const error = run.results[0]?.error as RateLimitedError;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAfterMs).toBe(200_000);
    expect(run.results[0]?.at).toBe(50);
  });

  it("a call that never gets an answer ends at its deadline", async () => {
    const run = new VirtualRun(() => ({ kind: "silent" }), { retry: { deadlineMs: 3000 } });
    await run.run([{ bucket: "users" }]);
    expect(run.results[0]).toMatchObject({ settled: true, ok: false, at: 3000 });
  });
});

describe("rule 2: nothing is sent after its caller gave up", () => {
  it("an abort while the call waits for budget ends it at once; it is never sent", async () => {
    // Call 0's answer spends the bucket for 8 s; call 1 queues behind it and is aborted at 200 ms.
    const run = new VirtualRun(() => ok(100, { limit: 10, remaining: 0, resetMs: 8000 }));
    await run.run([{ bucket: "users" }, { bucket: "users", startAt: 150, abortAt: 200 }]);
    expect(run.results[1]).toMatchObject({ settled: true, ok: false, at: 200 });
    expect(run.results[1]?.error).toMatchObject({ name: "AbortError" });
    expect(sendsOf(run.log, 1)).toHaveLength(0);
  });

  it("close() fails queued and sleeping calls at once with ClientClosedError; nothing more is sent", async () => {
    // Call 0 gets a 503 (a read: backoff, asleep at 300 ms); call 1 waits for the spent bucket.
    const run = new VirtualRun(
      (call) =>
        call === 0 ? { kind: "503", latencyMs: 100 } : ok(100, { limit: 10, remaining: 0, resetMs: 8000 }),
      { maxConcurrent: 2, retry: { baseDelayMs: 1000 } },
    );
    await run.run([{ bucket: "a" }, { bucket: "b" }, { bucket: "b", startAt: 150 }], 300);
    expect(run.results[0]).toMatchObject({ ok: false, at: 300 });
    expect(run.results[0]?.error).toBeInstanceOf(ClientClosedError);
    expect(run.results[2]).toMatchObject({ ok: false, at: 300 });
    expect(run.results[2]?.error).toBeInstanceOf(ClientClosedError);
    for (const entry of run.log) if (entry.type === "send") expect(entry.at).toBeLessThan(300);
  });

  it("a call aborted while on the wire is not retried, and its slot frees for the next", async () => {
    const run = new VirtualRun((call) => (call === 0 ? { kind: "silent" } : ok()), { maxConcurrent: 1 });
    await run.run([
      { bucket: "a", abortAt: 500 },
      { bucket: "a", startAt: 10 },
    ]);
    expect(sendsOf(run.log, 0)).toHaveLength(1);
    expect(run.results[1]).toMatchObject({ ok: true, at: 600 });
  });
});

describe("rule 3: slots and budget units are conserved; user code cannot break a call", () => {
  it("observers that throw on every hook change nothing: every call is answered, none hangs", async () => {
    const thrower = () => {
      throw new Error("listener bug");
    };
    const run = new VirtualRun(
      (_call, attempt) =>
        attempt === 1
          ? { kind: "429", latencyMs: 50, report: { limit: 5, remaining: 0, resetMs: 1000 } }
          : ok(50, { limit: 5, remaining: 4, resetMs: 1000 }),
      { maxConcurrent: 2, onPolicy: thrower },
      () => ({ throttled: thrower, attempt: thrower, rateLimited: thrower, retry: thrower }),
    );
    await run.run(Array.from({ length: 6 }, (_, i) => ({ bucket: "users", startAt: i })));
    expect(run.results.every((r) => r.ok)).toBe(true);
    expect(run.engine.core.inFlightCount).toBe(0);
    expect(new Set(run.hookErrors)).toEqual(
      new Set(["attempt", "rateLimited", "retry", "throttled", "onPolicy"]),
    );
  });
});

describe("rule 4: waits are bounded", () => {
  it("a reset of a day on a 200 fails the next call at once instead of holding it a day", async () => {
    const run = new VirtualRun(() => ok(100, { limit: 10, remaining: 0, resetMs: 86_400_000 }));
    await run.run([{ bucket: "users" }, { bucket: "users", startAt: 200 }]);
    expect(run.results[1]).toMatchObject({ settled: true, ok: false, at: 200 });
    const error = run.results[1]?.error as RateLimitedError;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAfterMs).toBeGreaterThan(86_000_000);
  });

  it("Retry-After: 0 for ever is no storm: the attempts spread out and the call ends as RateLimitedError", async () => {
    // Equal jitter at 0.5: the waits are 0.75 of 250, 500, 1000, 2000 ms… (187, 375, 750, 1500):
    // with 10 ms round trips and a 5 s deadline, attempts at 0, 197, 582, 1342 and 2852 ms; the
    // next wait (3000 ms) would pass the deadline less minAttemptMs.
    const run = new VirtualRun(() => ({ kind: "429", latencyMs: 10, report: { retryAfterMs: 0 } }), {
      retry: { deadlineMs: 5000 },
    });
    await run.run([{ bucket: "users" }]);
    expect(sendsOf(run.log, 0).map((s) => s.at)).toEqual([0, 197, 582, 1342, 2852]);
    expect(run.results[0]?.error).toBeInstanceOf(RateLimitedError);
    expect(run.results[0]?.at).toBeLessThanOrEqual(5000);
  });

  it("real timers past 2³¹−1 ms are re-armed, not fired at once (Node's overflow)", async () => {
    const timers = realTimers();
    let fired = false;
    const handle = timers.at(Date.now() + MAX_TIMER_MS + 10_000, () => {
      fired = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    handle.cancel();
    expect(fired).toBe(false);
  });
});

describe("rule 5: a bucket never stalls, and budgets are merged only on evidence", () => {
  it("a gateway that reports budgets only on its 429s: after one 429 the bucket runs free again", async () => {
    // One 429 (Retry-After 1 s) at 100 ms, then answers with no budget report. By hand: the bucket
    // holds until 1100 ms, the probe is answered at 1200 ms, then the 39 calls left run 8 at a
    // time, 100 ms a round: done by about 1200 + 5 × 100 = 1700 ms. A bucket that stayed paced
    // would release one call per round trip: 40 × 100 ms and more.
    const run = new VirtualRun(
      (_call, _attempt, index) =>
        index === 0 ? { kind: "429", latencyMs: 100, report: { retryAfterMs: 1000 } } : ok(100),
      { maxConcurrent: 8 },
    );
    await run.run(Array.from({ length: 40 }, () => ({ bucket: "users" })));
    expect(run.results.every((r) => r.ok)).toBe(true);
    expect(Math.max(...run.results.map((r) => r.at ?? 0))).toBeLessThanOrEqual(1800);
  });

  it("declared buckets are never merged, whatever their answers show", async () => {
    // Both tools' answers fall on one count, as if they shared a budget.
    let remaining = 600;
    const run = new VirtualRun(() => ok(10, { limit: 600, remaining: --remaining, resetMs: 60_000 }), {
      maxConcurrent: 2,
    });
    await run.run(
      Array.from({ length: 100 }, (_, i) => ({
        bucket: i % 2 ? "roles" : "groups",
        declared: true,
        startAt: i * 5,
      })),
    );
    expect(run.engine.core.resolve("roles")).toBe("roles");
    expect(run.engine.core.resolve("groups")).toBe("groups");
  });
});

describe("rule 6: a shared budget is claimed before a local slot", () => {
  it("a call waiting for a spent shared bucket holds no local slot: another bucket's call goes first", async () => {
    // Shared bucket "a" is spent for 5 s; with one local slot, "b" must not wait behind "a".
    let now = () => 0;
    const shared: SharedBudget = {
      claim: async (bucket): Promise<Claim> =>
        bucket === "a" && now() < 5000 ? { granted: false, retryInMs: 5000 - now() } : { granted: true },
      giveBack: () => {},
      tell: (_event: PolicyEvent) => {},
      close: async () => {},
    };
    const run = new VirtualRun(() => ok(50), { maxConcurrent: 1, shared });
    now = () => run.now - 1_800_000_000_000;
    await run.run([{ bucket: "a" }, { bucket: "b", startAt: 10 }]);
    expect(run.results[1]).toMatchObject({ ok: true, at: 60 });
    expect(run.results[0]).toMatchObject({ ok: true, at: 5050 });
  });

  it("a bucket another process learnt to spend another's budget follows it here; a declared one does not", async () => {
    // The store says "b" merged into "a" (another process learnt it). "a" is spent for 5 s.
    const asked: [string, boolean | undefined][] = [];
    const shared: SharedBudget = {
      claim: async (bucket, follow): Promise<Claim> => {
        asked.push([bucket, follow]);
        return { granted: true, bucket: follow && bucket === "b" ? "a" : bucket };
      },
      giveBack: () => {},
      tell: () => {},
      close: async () => {},
    };
    const spent = { limit: 10, remaining: 0, resetMs: 5000 };
    const run = new VirtualRun((call) => (call === 0 ? ok(50, spent) : ok(50)), { shared });
    await run.run([
      { bucket: "a" },
      { bucket: "b", startAt: 100 },
      { bucket: "b", startAt: 100, declared: true },
    ]);
    expect(asked).toEqual([
      ["a", true],
      ["b", true],
      ["b", false],
    ]);
    // The followed call waits for a's refill; the declared one, its own bucket, goes at once.
    expect(sendsOf(run.log, 1)[0]?.at).toBeGreaterThan(3000);
    expect(sendsOf(run.log, 2)[0]?.at).toBe(100);
  });

  it("what the store knows of the window reaches the policy; a call that opens a window tells the store when", async () => {
    const told: PolicyEvent[] = [];
    const storeOf = (grant: Claim): SharedBudget => ({
      claim: async () => grant,
      giveBack: () => {},
      tell: (event) => told.push(event),
      close: async () => {},
    });
    // Another process's call opened the window at [START − 20, START − 10]; the windows' length is
    // known to [1490, 1500]. Our call (sent at 0, answered at 50) finds 40 of 60 left.
    const opened = { lo: START - 20, hi: START - 10 };
    const elsewhere = storeOf({ granted: true, opened, length: { lo: 1490, hi: 1500 } });
    const found = { limit: 60, remaining: 40, resetMs: 2000 };
    await new VirtualRun(() => ok(50, found), { shared: elsewhere }).run([{ bucket: "a" }]);
    const answered = told.find((event) => event.step === "answered");
    expect(answered?.state.start).toEqual(opened);
    // The end from start and length: [START − 20 + 1490, START − 10 + 1500].
    expect(answered?.state.end).toEqual({ lo: START + 1470, hi: START + 1490 });
    expect(answered?.opened).toBeUndefined();
    // Our call opens the window (59 of 60 left): the store is told it opened between send and answer.
    told.length = 0;
    const opening = { limit: 60, remaining: 59, resetMs: 1000 };
    await new VirtualRun(() => ok(50, opening), { shared: storeOf({ granted: true }) }).run([
      { bucket: "a" },
    ]);
    expect(told.find((event) => event.step === "answered")?.opened).toEqual({ lo: START, hi: START + 50 });
  });

  it("a shared store that fails ends the call with its error, within the deadline", async () => {
    const shared: SharedBudget = {
      claim: async () => {
        throw new Error("the shared limiter's Redis at redis://127.0.0.1:1 is unavailable");
      },
      giveBack: () => {},
      tell: () => {},
      close: async () => {},
    };
    const run = new VirtualRun(() => ok(), { shared });
    await run.run([{ bucket: "a" }]);
    expect(run.results[0]).toMatchObject({ ok: false, at: 0 });
    expect(String(run.results[0]?.error)).toContain("redis://127.0.0.1:1");
    expect(sendsOf(run.log, 0)).toHaveLength(0);
  });
});
