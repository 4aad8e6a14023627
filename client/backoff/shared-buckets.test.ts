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
  /** Calls of other processes: the server counts them, the learner never sees them. */
  unseen: Call[] = [],
) {
  const remaining = new Map<string, number>();
  const reported = new Map<Call, number>();
  for (const call of [...calls, ...unseen].sort((a, b) => a.countedAt - b.countedAt)) {
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

describe("buckets not yet known to be one budget or two (undecided)", () => {
  it("the same limit and no evidence yet: undecided, either way round", () => {
    const learner = new SharedBuckets();
    replay(learner, lockstep(1), () => "other");
    expect(learner.undecided("roles", "groups")).toBe(true);
    expect(learner.undecided("groups", "roles")).toBe(true);
  });

  it("merged, parted, of different limits, or not yet answered: decided", () => {
    const merged = new SharedBuckets();
    replay(merged, lockstep(40), () => "other");
    expect(merged.undecided("roles", "groups")).toBe(false);
    // Two budgets called in lockstep: their counts fall in step, which proves two (a break).
    const apart = new SharedBuckets();
    replay(apart, lockstep(200), (tool) => tool);
    expect(apart.undecided("roles", "groups")).toBe(false);
    const limits = new SharedBuckets();
    replay(limits, lockstep(1), () => "other");
    const record = limits.sent("x", 2000);
    limits.settled(record, 2010, true);
    limits.observe("x", { limit: 1000, remaining: 999, resetMs: 1000 }, record);
    expect(limits.undecided("x", "roles")).toBe(false);
    expect(limits.undecided("roles", "never-answered")).toBe(false);
  });
});

describe("processes sharing the budgets (a shared limiter): other processes' calls are counted unseen", () => {
  /** `process`'s share of a pipeline of roles and groups calls, `processes` of them interleaved. */
  const share = (calls: Call[], processes: number, process: number) =>
    calls.filter((_, i) => Math.floor(i / 2) % processes === process);
  /** One process's user listing: pages one after another, 30 ms round trips. */
  const pages = (from: number, n: number): Call[] =>
    Array.from({ length: n }, (_, i) => ({
      tool: "list",
      sentAt: from + i * 31,
      countedAt: from + i * 31 + 15,
      receivedAt: from + i * 31 + 30,
    }));

  it("one budget is merged when three other processes spend it too", () => {
    const calls = pipeline(8, 1600);
    const learner = new SharedBuckets(2, true);
    replay(
      learner,
      share(calls, 4, 0),
      () => "other",
      3000,
      30_000,
      [1, 2, 3].flatMap((p) => share(calls, 4, p)),
    );
    expect(learner.resolve("roles")).toBe("groups");
  });

  it("a page list on its own budget stays apart from busy tools, however other processes' pages make its count fall", () => {
    // Each of four processes lists pages of the same limit while its audit calls spend another
    // budget. The list's count falls by four for each page this process sees, and the audit's
    // calls could explain that; but the list's count stays above the audit's, which one count
    // (falling only) never does: two budgets.
    const audit = pipeline(8, 1600);
    const mine = [...share(audit, 4, 0), ...pages(1000, 40)];
    const theirs = [1, 2, 3].flatMap((p) => [...share(audit, 4, p), ...pages(1000 + 7 * p, 40)]);
    const learner = new SharedBuckets(2, true);
    replay(learner, mine, (tool) => (tool === "list" ? "list" : "other"), 3000, 30_000, theirs);
    expect(learner.resolve("list")).toBe("list");
    expect(learner.resolve("roles")).not.toBe("list");
    expect(learner.resolve("groups")).not.toBe("list");
  });
});

describe("a gateway that reports budgets only on its 429s: the refusals are the count", () => {
  /** `n` answered calls of `tool`, 10 ms apart from `from`, each out for 5 ms; answers carry no count. */
  const answered = (learner: SharedBuckets, tool: string, from: number, n: number) => {
    for (let i = 0; i < n; i++) {
      const record = learner.sent(tool, from + i * 10);
      learner.settled(record, from + i * 10 + 5, true);
      learner.observe(tool, undefined, record);
    }
  };
  const refuse = (learner: SharedBuckets, tool: string, at: number, limit = 60) => {
    const record = learner.sent(tool, at);
    learner.settled(record, at + 5, false);
    return learner.refused(tool, { limit, remaining: 0, resetMs: 1000 }, record);
  };

  it("30 calls of each, and a 429 stating a limit of 60: neither explains it alone, together they do", () => {
    const learner = new SharedBuckets();
    answered(learner, "roles", 0, 30);
    answered(learner, "groups", 1, 30);
    expect(refuse(learner, "groups", 400)).toBeUndefined(); // groups' limit is news; roles' not yet
    expect(refuse(learner, "roles", 401)).toEqual({ merged: "roles", into: "groups" });
    expect(learner.resolve("roles")).toBe("groups");
  });

  it("a refused tool whose own calls reach the limit proves nothing about the other", () => {
    const learner = new SharedBuckets();
    answered(learner, "roles", 0, 60);
    answered(learner, "groups", 1, 30);
    refuse(learner, "groups", 700);
    expect(refuse(learner, "roles", 701)).toBeUndefined();
  });

  it("another tool too idle to make up the rest, or of another limit, is not merged", () => {
    const learner = new SharedBuckets();
    answered(learner, "roles", 0, 30);
    answered(learner, "groups", 1, 10);
    refuse(learner, "groups", 400);
    expect(refuse(learner, "roles", 401)).toBeUndefined();
    const other = new SharedBuckets();
    answered(other, "roles", 0, 30);
    answered(other, "groups", 1, 30);
    refuse(other, "groups", 400, 100);
    expect(refuse(other, "roles", 401)).toBeUndefined();
  });

  it("only calls since the window turned count: a refusal, then an answer sent after it, sets the floor", () => {
    const learner = new SharedBuckets();
    // Window 1 (as the learner sees it): each tool's own 60 calls explain its 429.
    answered(learner, "roles", 0, 60);
    answered(learner, "groups", 1, 60);
    expect(refuse(learner, "roles", 700)).toBeUndefined();
    expect(refuse(learner, "groups", 701)).toBeUndefined();
    // Window 2 turns: each tool is answered again after its 429 came back (floor: the 429's send).
    answered(learner, "roles", 1000, 30);
    answered(learner, "groups", 1001, 30);
    // Counting from the start, roles' 90 calls would explain this 429 alone; since the floor, 30 do not.
    expect(refuse(learner, "roles", 1400)).toEqual({ merged: "roles", into: "groups" });
  });

  it("buckets whose answers carried counts are left to the falls", () => {
    const learner = new SharedBuckets();
    const record = learner.sent("roles", 0);
    learner.settled(record, 5, true);
    learner.observe("roles", { limit: 60, remaining: 59, resetMs: 1000 }, record);
    answered(learner, "roles", 10, 29);
    answered(learner, "groups", 11, 30);
    refuse(learner, "groups", 400);
    expect(refuse(learner, "roles", 401)).toBeUndefined();
  });
});
