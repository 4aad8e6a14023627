import { describe, expect, it } from "vitest";
import {
  type BucketState,
  initialBucket,
  onAnswer,
  onRefill,
  onRefused,
  onRelease,
} from "../backoff/bucket-policy.js";
import { sharedUpdate } from "./redis-budget.js";

/** The key's life a policy step asks for, worked out by hand from bucket-policy's rules. */
const T = 1_000_000;
const options = { freeAbove: Number.POSITIVE_INFINITY, firstBudget: 16 };
const answer = (state: BucketState, remaining: number, sentAt: number, receivedAt: number) =>
  onAnswer(state, { limit: 60, remaining, resetMs: 1000 }, { sentAt, receivedAt, inFlight: 0 }, options);

describe("how long a shared budget key lives", () => {
  // Learnt across windows, the length is [950, 1040]: taken as 1 s. Our call opens a window at
  // [T, T + 10] (end [T + 1000, T + 1010]); spent at T + 510, the next refill is the check of
  // that whole second, at T + 950 (5% before the edge's earliest).
  const learnt = { ...initialBucket(options), windowMs: { lo: 950, hi: 1040 } };
  const spent = answer(answer(learnt, 59, T, T + 10), 0, T + 500, T + 510);

  it("until the window's latest end while this process plans to check a whole-second length", () => {
    expect(spent.refillAt).toBe(T + 950);
    // The edge's top, T + 1010 (the reset reported, T + 1510, is later): 500 ms from T + 510.
    expect(sharedUpdate({ bucket: "b", step: "answered", state: spent, at: T + 510 })?.ttlMs).toBe(500);
  });

  it("until this process's next probe of the edge once the length is checked", () => {
    const refused = onRefused(
      onRelease(onRefill(spent, T + 950)),
      { limit: 60, remaining: 0, resetMs: 1000 },
      { sentAt: T + 950, receivedAt: T + 960, inFlight: 0 },
    );
    expect(refused.lengthChecked).toBe(true);
    expect(refused.refillAt).toBe(T + 1010);
    // A 429 holds the key at 0 until that probe: 50 ms from T + 960.
    expect(sharedUpdate({ bucket: "b", step: "refused", state: refused, at: T + 960 })).toMatchObject({
      value: 0,
      ttlMs: 50,
      kind: "hold",
    });
  });
});
