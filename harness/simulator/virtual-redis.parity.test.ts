import fc from "fast-check";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import type { BucketState } from "../../client/backoff/bucket-policy.js";
import type { PolicyEvent } from "../../client/backoff/pacing-core.js";
import type { Claim, SharedBudget } from "../../client/engine/call-engine.js";
import { RedisBudget } from "../../client/engine/redis-budget.js";
import { suiteRedis } from "../../test/support/redis.js";
import { EventLoop } from "./event-loop.js";
import { VirtualRedis } from "./virtual-redis.js";

/**
 * The simulator's store (VirtualRedis) against the Lua scripts it mirrors (RedisBudget on a real
 * redis-server): the same generated operations — claims that follow merges or not, answers with
 * and without a budget, a window's start and the windows' length, refusals, calls lost, units
 * given back, merges — on both (each answer, refusal and loss settling a call in flight), and every claim answered alike: granted or not, from which bucket, with which
 * start and length, and a wait alike (within a second: the two clocks are read a moment apart, on
 * a machine that may be busy).
 * Virtual time is set to the real clock before each operation, so keys expire alike.
 */
const redis = suiteRedis("the store parity property is");

const bucket = fc.constantFrom("a", "b", "c");
const interval = (min: number, max: number) =>
  fc
    .tuple(fc.integer({ min, max }), fc.integer({ min: 0, max: 200 }))
    .map(([lo, width]) => ({ lo, hi: lo + width }));

type Op =
  | { kind: "claim"; bucket: string; follow: boolean }
  | {
      kind: "answered";
      bucket: string;
      remaining?: number;
      untilMs: number;
      opened?: { lo: number; hi: number };
      length?: { lo: number; hi: number };
    }
  | { kind: "refused"; bucket: string; untilMs: number }
  /** A call that got no answer: it only settles (the policy tells the store nothing else). */
  | { kind: "unanswered"; bucket: string }
  | { kind: "giveBack"; bucket: string }
  | { kind: "merged"; from: string; into: string }
  /** Every budget key's window ends (the merges, starts and lengths outlive it). */
  | { kind: "windowEnds" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("claim" as const), bucket, follow: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        kind: fc.constant("answered" as const),
        bucket,
        // Undefined: an answer that reported no budget (the key is freed).
        remaining: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
        // Long enough that nothing a run sets expires while it runs (the free key lives 1 s).
        untilMs: fc.integer({ min: 5_000, max: 60_000 }),
        opened: fc.option(interval(-5_000, 0), { nil: undefined }),
        length: fc.option(interval(500, 1_500), { nil: undefined }),
      },
      { requiredKeys: ["kind", "bucket", "untilMs"] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("refused" as const),
      bucket,
      untilMs: fc.integer({ min: 5_000, max: 60_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unanswered" as const), bucket }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("giveBack" as const), bucket }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("merged" as const), from: bucket, into: bucket }) },
  { weight: 1, arbitrary: fc.constant({ kind: "windowEnds" as const }) },
);

/** The policy event an operation tells the store, at `now`. */
function eventOf(op: Extract<Op, { kind: "answered" | "refused" | "unanswered" }>, now: number): PolicyEvent {
  const state: BucketState = {
    mode: op.kind === "answered" && op.remaining === undefined ? "unknown" : "paced",
    budget: op.kind === "answered" ? (op.remaining ?? null) : 0,
    remaining: op.kind === "answered" ? op.remaining : 0,
    remainingAt: now,
    refilledAt: now,
    held: op.kind === "refused",
    probing: false,
    refusedProbes: 0,
    refillAt: op.kind === "unanswered" ? undefined : now + op.untilMs,
    windowMs: op.kind === "answered" ? op.length : undefined,
  };
  const opened =
    op.kind === "answered" && op.opened ? { lo: now + op.opened.lo, hi: now + op.opened.hi } : undefined;
  return { bucket: op.bucket, step: op.kind, state, at: now, opened };
}

/** What a claim says, the wait aside. */
const shape = (claim: Claim) => {
  const { retryInMs: _wait, ...rest } = claim as Claim & { retryInMs?: number };
  return rest;
};

describe("the simulator's store keeps the Lua scripts' rules", () => {
  it("the same operations on VirtualRedis and on redis-server answer every claim alike", {
    timeout: 120_000,
  }, async (context) => {
    const url = redis()?.url;
    if (!url) return context.skip("redis-server is not installed");
    const store = new Redis(url);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const prefix = `parity-${process.pid}-${run++}`;
        const real = new RedisBudget({ url, keyPrefix: prefix });
        const loop = new EventLoop(Date.now());
        const virtual: SharedBudget = new VirtualRedis(loop).budget();
        // Virtual time runs with the real clock, plus the windows ended by hand.
        let ended = 0;
        try {
          // Connects, so that the fire-and-forget operations below reach Redis; a bucket no op uses.
          await real.claim("connect");
          for (const step of ops) {
            loop.now = Date.now() + ended;
            if (step.kind === "windowEnds") {
              // An awaited claim on the same connection: every operation before it has run.
              await real.claim("connect");
              const keys = [
                ...(await store.keys(`${prefix}:budget:*`)),
                ...(await store.keys(`${prefix}:flight:*`)),
              ];
              if (keys.length > 0) await store.del(...keys);
              // Past every budget key's and in-flight count's life (at most 60 s here), not the 24 h of the rest.
              ended += 61_000;
            } else if (step.kind === "claim") {
              const [fromRedis, fromVirtual] = [
                await real.claim(step.bucket, step.follow),
                await virtual.claim(step.bucket, step.follow),
              ];
              expect(shape(fromVirtual)).toEqual(shape(fromRedis));
              if (!fromRedis.granted && !fromVirtual.granted)
                expect(Math.abs(fromVirtual.retryInMs - fromRedis.retryInMs)).toBeLessThan(1000);
            } else if (step.kind === "giveBack") {
              real.giveBack(step.bucket);
              virtual.giveBack(step.bucket);
            } else if (step.kind === "merged") {
              real.merged(step.from, step.into);
              virtual.merged?.(step.from, step.into);
            } else {
              const event = eventOf(step, loop.now);
              real.tell(event);
              virtual.tell(event);
            }
          }
        } finally {
          await real.close();
        }
      }),
      { numRuns: 300 },
    );
    store.disconnect();
  });
});
