import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CallObserver } from "./call-engine.js";
import { type LogEntry, type Reply, type ScriptedCall, VirtualRun } from "./test-helpers.js";

/**
 * The call contract's invariants over generated schedules, in virtual time: calls on a few
 * buckets, reads and writes, started at random moments, some aborted; answers with and without
 * budget reports, 429s with resets of 0, negative, ordinary and huge values, 503s, broken
 * connections and answers that never come; observers and policy hooks that throw; a close() at
 * a random moment. On every run:
 * - every call settles, by its deadline, and at once when aborted or closed;
 * - nothing is sent after its caller aborted, after close(), after it settled, or with less than
 *   minAttemptMs left before its deadline;
 * - never more than maxConcurrent in flight, and every slot is back at the end;
 * - a write is sent again only after an answer that proves it did not run (a 429).
 */
/** `arbitrary` in about `percent` of the runs, otherwise undefined. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, percent: number) =>
  fc.oneof({ weight: percent, arbitrary }, { weight: 100 - percent, arbitrary: fc.constant(undefined) });

const report = fc.option(
  fc.record({
    limit: fc.integer({ min: 1, max: 10 }),
    remaining: fc.integer({ min: 0, max: 10 }),
    resetMs: fc.constantFrom(-1000, 0, 1, 250, 1000, 4000, 86_400_000),
  }),
  { nil: undefined },
);

const reply: fc.Arbitrary<Reply> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("ok" as const),
      latencyMs: fc.integer({ min: 1, max: 400 }),
      report,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("429" as const),
      latencyMs: fc.integer({ min: 1, max: 200 }),
      report: fc.record({
        limit: fc.constantFrom(0, 5, 10),
        remaining: fc.constant(0),
        resetMs: fc.option(fc.constantFrom(-500, 0, 300, 1000, 3000, 86_400_000), { nil: undefined }),
        retryAfterMs: fc.option(fc.constantFrom(-5, 0, 100, 1000, 2500, 90_000), { nil: undefined }),
      }),
      concurrency: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("503" as const), latencyMs: fc.integer({ min: 1, max: 200 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("reset" as const),
      latencyMs: fc.integer({ min: 1, max: 200 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "silent" as const }) },
);

const call: fc.Arbitrary<ScriptedCall> = fc.record({
  bucket: fc.constantFrom("a", "b", "c"),
  write: fc.boolean(),
  declared: fc.boolean(),
  startAt: fc.integer({ min: 0, max: 3000 }),
  abortAt: sometimes(fc.integer({ min: 0, max: 6000 }), 30),
});

const schedule = fc.record({
  calls: fc.array(call, { minLength: 1, maxLength: 10 }),
  replies: fc.array(reply, { minLength: 1, maxLength: 24 }),
  maxConcurrent: fc.integer({ min: 1, max: 4 }),
  deadlineMs: fc.integer({ min: 300, max: 8000 }),
  pacing: fc.boolean(),
  throwing: fc.boolean(),
  closeAt: sometimes(fc.integer({ min: 0, max: 9000 }), 25),
  seed: fc.integer({ min: 0, max: 1000 }),
});

type Schedule = typeof schedule extends fc.Arbitrary<infer S> ? S : never;

async function runOf(s: Schedule): Promise<VirtualRun> {
  const thrower = () => {
    throw new Error("user code bug");
  };
  const observer: CallObserver | undefined = s.throwing
    ? { throttled: thrower, attempt: thrower, rateLimited: thrower, retry: thrower }
    : undefined;
  let state = s.seed;
  const run = new VirtualRun(
    (_call, _attempt, index) => s.replies[index % s.replies.length] as Reply,
    {
      maxConcurrent: s.maxConcurrent,
      pacing: s.pacing,
      retry: { deadlineMs: s.deadlineMs, baseDelayMs: 100, maxWaitMs: 60_000 },
      random: () => {
        state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
        return state / 2 ** 31;
      },
      onPolicy: s.throwing ? thrower : undefined,
    },
    () => observer,
  );
  await run.run(s.calls, s.closeAt);
  return run;
}

async function violations(s: Schedule): Promise<string[]> {
  return check(s, await runOf(s));
}

/** The contract's invariants, read off one run's log. */
function check(s: Schedule, run: VirtualRun): string[] {
  const minAttemptMs = Math.min(1000, s.deadlineMs / 2);
  const problems: string[] = [];
  const gaveUp = new Map<number, number>();
  let closedAt: number | undefined;
  const lastAnswer = new Map<number, LogEntry & { type: "answer" }>();
  s.calls.forEach((c, i) => {
    const result = run.results[i];
    if (!result?.settled) problems.push(`call ${i} never settled`);
    else if ((result.at ?? 0) > (c.startAt ?? 0) + s.deadlineMs)
      problems.push(
        `call ${i} settled at ${result.at}, past its deadline ${(c.startAt ?? 0) + s.deadlineMs}`,
      );
  });
  for (const entry of run.log) {
    // Giving up ends the call there and then: it settles at the moment of its abort or of close().
    if (entry.type === "settle") {
      const stop = Math.min(
        gaveUp.get(entry.call) ?? Number.POSITIVE_INFINITY,
        closedAt ?? Number.POSITIVE_INFINITY,
      );
      // A call started after close() ends when it starts.
      if (entry.at > Math.max(stop, s.calls[entry.call]?.startAt ?? 0))
        problems.push(`call ${entry.call} settled at ${entry.at}, after it was given up at ${stop}`);
    }
    if (entry.type === "abort" || entry.type === "settle") gaveUp.set(entry.call, entry.at);
    if (entry.type === "close") closedAt = entry.at;
    if (entry.type === "answer") lastAnswer.set(entry.call, entry);
    if (entry.type !== "send") continue;
    const c = s.calls[entry.call] as ScriptedCall;
    if (gaveUp.has(entry.call)) problems.push(`call ${entry.call} sent at ${entry.at} after it was given up`);
    if (closedAt !== undefined) problems.push(`call ${entry.call} sent at ${entry.at} after close()`);
    if (entry.at > (c.startAt ?? 0) + s.deadlineMs - minAttemptMs)
      problems.push(`call ${entry.call} sent at ${entry.at} with less than minAttemptMs left`);
    if (entry.inFlight > s.maxConcurrent)
      problems.push(`${entry.inFlight} in flight, cap ${s.maxConcurrent}`);
    const previous = lastAnswer.get(entry.call);
    if (c.write && entry.attempt > 1 && previous?.kind !== "429")
      problems.push(`write ${entry.call} sent again after a ${previous?.kind ?? "missing"} answer`);
  }
  if (run.engine.core.inFlightCount !== 0)
    problems.push(`${run.engine.core.inFlightCount} slots never released`);
  if (run.engine.core.queued() !== 0) problems.push(`${run.engine.core.queued()} calls left queued`);
  return problems;
}

describe("the call engine's contract over generated schedules (virtual time)", () => {
  it("holds on 2,000 schedules: settled by the deadline, nothing sent after give-up, slots conserved, no write repeated", async () => {
    await fc.assert(
      fc.asyncProperty(schedule, async (s) => {
        expect(await violations(s)).toEqual([]);
      }),
      { numRuns: 2000, seed: 19 },
    );
  }, 120_000);

  it("the checker can fail: a send after an abort, a late settlement and a leaked slot are each reported", async () => {
    const s: Schedule = {
      calls: [{ bucket: "a", write: true, startAt: 0, abortAt: 100 }],
      replies: [{ kind: "silent" }],
      maxConcurrent: 1,
      deadlineMs: 1000,
      pacing: true,
      throwing: false,
      closeAt: undefined,
      seed: 1,
    };
    const run = await runOf(s);
    expect(check(s, run)).toEqual([]);
    // What a broken engine would have logged: a resend after the abort, settling past the deadline.
    run.log.push({ type: "send", call: 0, at: 150, attempt: 2, inFlight: 1 });
    run.results[0] = { settled: true, ok: false, at: 1200 };
    expect(check(s, run)).toEqual([
      "call 0 settled at 1200, past its deadline 1000",
      "call 0 sent at 150 after it was given up",
      "write 0 sent again after a silent answer",
    ]);
  });
});
