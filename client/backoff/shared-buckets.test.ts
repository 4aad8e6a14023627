import { describe, expect, it } from "vitest";
import { type CallRecord, SharedBuckets } from "./shared-buckets.js";

/**
 * Calls as a server with one count per budget would answer them: each call is counted at
 * `countedAt` (between its send and its answer), and its answer reports the budget's remaining
 * after it. The learner sees only what a client sees: sends, then answers, in time order.
 */
interface Call {
  tool: string;
  sentAt: number;
  countedAt: number;
  receivedAt: number;
}

function replay(
  learner: SharedBuckets,
  calls: Call[],
  budgetOf: (tool: string) => string,
  limit = 600,
  resetMs = 30_000,
) {
  const remaining = new Map<string, number>();
  const reported = new Map<Call, number>();
  for (const call of [...calls].sort((a, b) => a.countedAt - b.countedAt)) {
    const budget = budgetOf(call.tool);
    const left = (remaining.get(budget) ?? limit) - 1;
    remaining.set(budget, left);
    reported.set(call, left);
  }
  const events = calls.flatMap((call) => [
    { at: call.sentAt, order: 0, call },
    { at: call.receivedAt, order: 1, call },
  ]);
  events.sort((a, b) => a.at - b.at || a.order - b.order);
  const records = new Map<Call, CallRecord>();
  for (const { at, order, call } of events) {
    if (order === 0) {
      records.set(call, learner.sent(call.tool, at));
      continue;
    }
    const record = records.get(call) as CallRecord;
    learner.settled(record, at, true);
    learner.observe(call.tool, { limit, remaining: reported.get(call) ?? 0, resetMs }, record);
  }
}

/** Two tools called together each round (`Promise.all([x(u), y(u)])`), 10 ms round trips. */
function lockstep(rounds: number): Call[] {
  const calls: Call[] = [];
  for (let k = 0; k < rounds; k++) {
    const t = 1000 + k * 12;
    // Which of the two the server counts first varies from round to round.
    const xFirst = k % 3 !== 0;
    calls.push({ tool: "roles", sentAt: t, countedAt: t + (xFirst ? 4 : 6), receivedAt: t + 10 });
    calls.push({ tool: "groups", sentAt: t, countedAt: t + (xFirst ? 6 : 4), receivedAt: t + 10 });
  }
  return calls;
}

/** `inFlight` calls of each of two tools always out, 40 ms round trips, counted mid-way. */
function pipeline(inFlight: number, total: number): Call[] {
  const calls: Call[] = [];
  const gap = 40 / inFlight;
  for (let i = 0; i < total; i++) {
    const t = 1000 + i * (gap / 2);
    calls.push({
      tool: i % 2 === 0 ? "roles" : "groups",
      sentAt: t,
      countedAt: t + 15 + (i % 7),
      receivedAt: t + 40,
    });
  }
  return calls;
}

describe("which tools share a budget, from the count alone", () => {
  it("two tools on one budget, called together each round, are merged", () => {
    const learner = new SharedBuckets();
    replay(learner, lockstep(40), () => "other");
    // The name that sorts first carries on, as every process sharing the budget names it.
    expect(learner.resolve("roles")).toBe("groups");
  });

  it("two budgets of the same limit, called together each round, stay apart", () => {
    // The case that merged wrongly before: /users/{id}/roles and /groups/{id}, both 600/min.
    const learner = new SharedBuckets();
    replay(learner, lockstep(200), (tool) => tool);
    expect(learner.resolve("roles")).toBe("roles");
    expect(learner.resolve("groups")).toBe("groups");
  });

  it("at 8 in flight each: one budget is merged, two budgets stay apart", () => {
    const shared = new SharedBuckets();
    replay(shared, pipeline(8, 400), () => "other");
    expect(shared.resolve("roles")).toBe("groups");
    const apart = new SharedBuckets();
    replay(apart, pipeline(8, 2000), (tool) => tool);
    expect(apart.resolve("groups")).toBe("groups");
  });

  it("a busy bucket never merges with an idle one whose old answer it keeps undercutting", () => {
    const learner = new SharedBuckets();
    const calls: Call[] = [{ tool: "list", sentAt: 0, countedAt: 5, receivedAt: 10 }];
    for (let i = 0; i < 100; i++)
      calls.push({ tool: "roles", sentAt: 20 + i * 5, countedAt: 22 + i * 5, receivedAt: 24 + i * 5 });
    replay(learner, calls, () => "other");
    expect(learner.resolve("roles")).toBe("roles");
    expect(learner.resolve("list")).toBe("list");
  });

  it("a long busy window never merges a bucket with another for want of its own older calls", () => {
    // Okta's 10 s windows at 200 ms: 16 calls of one tool in flight (a new one each 12.5 ms, round
    // trips 150–250 ms) on one budget; pages of another tool on its own, more than a window apart.
    // Over 513 calls the busy tool's count falls by more than the call records a learner keeps:
    // the calls it no longer holds must not read as the other tool's spend (this merged the
    // audit's tools into the user list and left them unpaced).
    const calls: Call[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = 1000 + i * 12.5;
      calls.push({ tool: "roles", sentAt: t, countedAt: t + 1, receivedAt: t + 150 + ((i * 37) % 100) });
    }
    for (const t of [-12_000, 3003, 15_503])
      calls.push({ tool: "list", sentAt: t, countedAt: t + 1, receivedAt: t + 200 });
    const learner = new SharedBuckets();
    replay(learner, calls, (tool) => tool, 3000, 10_000);
    expect(learner.resolve("roles")).toBe("roles");
    expect(learner.resolve("list")).toBe("list");
  });

  it("different limits are different budgets", () => {
    const learner = new SharedBuckets();
    let t = 0;
    for (let i = 0; i < 40; i++) {
      const tool = i % 2 ? "x" : "y";
      const record = learner.sent(tool, t);
      learner.settled(record, t + 1, true);
      learner.observe(tool, { limit: i % 2 ? 600 : 1000, remaining: 500 - i, resetMs: 1000 }, record);
      t += 5;
    }
    expect(learner.resolve("x")).toBe("x");
  });
});
