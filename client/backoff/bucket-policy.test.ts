import { describe, expect, it } from "vitest";
import {
  type BucketState,
  ensureRefill,
  initialBucket,
  mergedBudget,
  onAnswer,
  onRefill,
  onRefused,
  onRelease,
  onReturned,
  planRefill,
  reportedEndInterval,
} from "./bucket-policy.js";
import {
  initialConcurrency,
  isConcurrencyRefusal,
  onCallSent,
  onCallSucceeded,
  onConcurrencyRefused,
} from "./concurrency-policy.js";

/** Every expected value below is worked out by hand from the rules in bucket-policy.ts's header. */
const T = 1_000_000; // an arbitrary epoch-ms origin
const options = { freeAbove: 64, firstBudget: 16 };
const answer = (
  state: BucketState,
  report: { limit?: number; remaining?: number; resetMs?: number },
  sentAt: number,
  receivedAt: number,
  inFlight = 0,
) => onAnswer(state, report, { sentAt, receivedAt, inFlight }, options);

describe("the budget", () => {
  it("starts at the first budget, then is what the server says remains less our calls in flight", () => {
    const start = initialBucket(options);
    expect(start).toMatchObject({ mode: "unknown", budget: 16 });
    const s = answer(start, { limit: 60, remaining: 40, resetMs: 1000 }, T, T + 10, 5);
    expect(s).toMatchObject({ mode: "paced", budget: 35, remaining: 40, limit: 60 });
  });

  it("far above what could be in flight there is nothing to pace", () => {
    const s = answer(initialBucket(options), { limit: 600, remaining: 599, resetMs: 60_000 }, T, T + 10, 3);
    expect(s).toMatchObject({ mode: "free", budget: null });
  });

  it("a server that reports no budget leaves the bucket unpaced (429s still pace it)", () => {
    expect(answer(initialBucket(options), {}, T, T + 10)).toMatchObject({ mode: "free", budget: null });
  });

  it("within a window only shrinks: a larger remaining from a call sent earlier is stale", () => {
    let s = answer(initialBucket(options), { limit: 60, remaining: 30, resetMs: 1000 }, T, T + 20);
    // Sent at T + 5, before the answer above arrived (T + 20): it was counted earlier.
    s = answer(s, { limit: 60, remaining: 33, resetMs: 1000 }, T + 5, T + 25);
    expect(s).toMatchObject({ budget: 30, remaining: 30 });
    s = answer(s, { limit: 60, remaining: 28, resetMs: 1000 }, T + 21, T + 30, 2);
    expect(s).toMatchObject({ budget: 26, remaining: 28 });
  });

  it("grows when the window has turned: more remaining from a call sent after the lower answer arrived", () => {
    let s = answer(initialBucket(options), { limit: 60, remaining: 2, resetMs: 1000 }, T, T + 20);
    s = answer(s, { limit: 60, remaining: 59, resetMs: 2000 }, T + 30, T + 40, 1);
    expect(s).toMatchObject({ budget: 58, remaining: 59 });
    // remaining = limit − 1: this call opened the window, so its start is known to its round trip.
    expect(s.start).toEqual({ lo: T + 30, hi: T + 40 });
  });

  it("each release spends one; a concurrency-refused call gives its unit back", () => {
    let s = answer(initialBucket(options), { limit: 60, remaining: 10, resetMs: 1000 }, T, T + 10);
    s = onRelease(onRelease(s));
    expect(s.budget).toBe(8);
    expect(onReturned(s).budget).toBe(9);
  });

  it("a concurrency report (limit 0, remaining 0) says nothing about the bucket", () => {
    const s = answer(initialBucket(options), { limit: 60, remaining: 10, resetMs: 1000 }, T, T + 10);
    expect(answer(s, { limit: 0, remaining: 0, resetMs: 1000 }, T + 20, T + 30)).toEqual(s);
  });
});

describe("where a whole-second reset puts the window's end", () => {
  it("up to 2 s early (rounded at Okta, then at the gateway) and 1 s late", () => {
    expect(reportedEndInterval(3000, T, T + 50)).toEqual({ lo: T + 1000, hi: T + 3050 + 1000 });
  });

  it("reports of one window are intersected", () => {
    let s = answer(initialBucket(options), { limit: 600, remaining: 50, resetMs: 10_000 }, T, T + 10);
    // A second report, 700 ms later, says 9 s: (T+700+7000, T+710+10000] ∩ (T+8000, T+11010].
    s = answer(s, { limit: 600, remaining: 40, resetMs: 9000 }, T + 700, T + 710);
    expect(s.end).toEqual({ lo: T + 8000, hi: T + 10_710 });
  });
});

describe("refills", () => {
  const spent = () => {
    const s = answer(initialBucket(options), { limit: 60, remaining: 0, resetMs: 2000 }, T, T + 10);
    return s;
  };

  it("a spent bucket plans a probe inside the end interval, never past the latest reported reset", () => {
    const s = spent();
    expect(s.budget).toBe(0);
    // end ∈ (T + 0, T + 3010], capped by the report T + 10 + 2000: bisect (T, T + 2010] → T + 1005.
    expect(s.end).toEqual({ lo: T, hi: T + 3010 });
    expect(s.reportedEnd).toBe(T + 2010);
    expect(s.refillAt).toBe(T + 1005);
  });

  it("the refill releases one probe; its answer turns the window", () => {
    let s = onRefill(spent(), T + 1005);
    expect(s).toMatchObject({ budget: 1, probing: true, refilledAt: T + 1005 });
    s = onRelease(s);
    s = answer(s, { limit: 60, remaining: 59, resetMs: 2000 }, T + 1005, T + 1015);
    expect(s).toMatchObject({ budget: 59, probing: false, refillAt: undefined });
  });

  it("a refused probe bounds the end from below, and the next probe waits for the top", () => {
    let s = onRelease(onRefill(spent(), T + 1005));
    s = onRefused(
      s,
      { limit: 60, remaining: 0, resetMs: 1000 },
      { sentAt: T + 1005, receivedAt: T + 1015, inFlight: 0 },
    );
    expect(s.refusedProbes).toBe(1);
    // (T, T + 3010] ∩ (T + 1005 − 1000, T + 1015 + 2000] ∩ [sent, ∞) = [T + 1005, T + 3010].
    expect(s.end).toEqual({ lo: T + 1005, hi: T + 3010 });
    // Top of the interval, capped by the earlier report's T + 2010.
    expect(s.refillAt).toBe(T + 2010);
  });

  it("after a refused probe, bisects again only while the edge spans over 15% of the window, three times at most", () => {
    const base: BucketState = {
      ...initialBucket(options),
      mode: "paced",
      budget: 0,
      held: true,
      windowMs: { lo: 1000, hi: 1000 },
      refusedProbes: 1,
      refusedProbeAt: T,
    };
    // Edge in (T, T + 400], wider than 150 ms: its middle.
    expect(planRefill({ ...base, end: { lo: T, hi: T + 400 } }, T)).toBe(T + 200);
    // (T, T + 100]: its top.
    expect(planRefill({ ...base, end: { lo: T, hi: T + 100 } }, T)).toBe(T + 100);
    // Three refused: the top.
    expect(planRefill({ ...base, refusedProbes: 3, end: { lo: T, hi: T + 400 } }, T)).toBe(T + 400);
  });

  it("an answer to a call sent before the refill speaks of the old window: ignored", () => {
    const s = onRefill(spent(), T + 1005);
    expect(answer(s, { limit: 60, remaining: 0, resetMs: 1000 }, T + 900, T + 1010)).toEqual(s);
  });

  it("a spent bucket with nothing in flight always has a refill coming", () => {
    const s = { ...spent(), refillAt: undefined };
    expect(ensureRefill(s, T + 20, 1).refillAt).toBeUndefined();
    expect(ensureRefill(s, T + 20, 0).refillAt).toBe(planRefill(s, T + 20));
  });
});

describe("429s", () => {
  const paced = () =>
    answer(initialBucket(options), { limit: 600, remaining: 5, resetMs: 60_000 }, T, T + 10);

  it("a 429 that agrees with the window holds the bucket; the refill never waits past the 429's reset", () => {
    let s = onRelease(onRelease(onRelease(onRelease(onRelease(paced())))));
    s = onRefused(
      s,
      { limit: 600, remaining: 0, resetMs: 59_000 },
      { sentAt: T + 900, receivedAt: T + 910, inFlight: 0 },
    );
    expect(s).toMatchObject({ budget: 0, held: true, remaining: 5, refusedUntil: T + 59_910 });
    expect(s.refillAt).toBeLessThanOrEqual(T + 59_910);
  });

  it("a late 200 with a 60 s reset does not move a refill past the 429's 2 s reset", () => {
    let s = onRelease(onRelease(onRelease(onRelease(onRelease(paced())))));
    s = onRefused(
      s,
      { limit: 600, remaining: 0, resetMs: 2000 },
      { sentAt: T + 900, receivedAt: T + 910, inFlight: 1 },
    );
    const before = s.refillAt ?? 0;
    expect(before).toBeLessThanOrEqual(T + 2910);
    // A call sent before the 429 answers 200 a moment later, reporting the 60 s window.
    s = answer(s, { limit: 600, remaining: 0, resetMs: 59_000 }, T + 905, T + 950);
    expect(s.refillAt).toBeLessThanOrEqual(T + 2910);
  });

  it("Retry-After is the server's word: the probe waits exactly that long", () => {
    const s = onRefused(paced(), { retryAfterMs: 7000 }, { sentAt: T + 20, receivedAt: T + 30, inFlight: 0 });
    expect(s.refillAt).toBe(T + 7030);
  });

  it("a 429 while we believed in budget (an injected one) probes again soon, not at its reset", () => {
    const s = onRefused(
      paced(),
      { limit: 600, remaining: 0, resetMs: 2000 },
      { sentAt: T + 20, receivedAt: T + 30, inFlight: 0 },
    );
    // Probe step: 1000 / 100 = 10 ms (no window length learnt yet), doubled for none refused yet → 10 ms.
    expect(s.refillAt).toBe(T + 30 + 10);
    // The window we knew is kept: the probe's answer will tell whether budget is left.
    expect(s.remaining).toBe(5);
    const probe = onRelease(onRefill(s, T + 40));
    const after = answer(probe, { limit: 600, remaining: 3, resetMs: 59_000 }, T + 40, T + 50);
    expect(after).toMatchObject({ held: false, budget: 3 });
  });
});

describe("the window's length, learnt across windows", () => {
  it("a window we opened, and the turn that followed, bound its length", () => {
    // Our call opened the window: remaining = limit − 1, sent T, answered T + 10.
    let s = answer(initialBucket(options), { limit: 60, remaining: 59, resetMs: 1000 }, T, T + 10);
    expect(s.start).toEqual({ lo: T, hi: T + 10 });
    s = { ...s, ...answer(s, { limit: 60, remaining: 0, resetMs: 1000 }, T + 500, T + 510) };
    // The next window turns with an answer received at T + 1020: W ≤ 1020 − T.
    s = answer(onRefill(s, T + 1005), { limit: 60, remaining: 59, resetMs: 1000 }, T + 1005, T + 1020);
    expect(s.windowMs?.hi).toBeLessThanOrEqual(1020);
    expect(s.start).toEqual({ lo: T + 1005, hi: T + 1020 });
    // The end follows: start + W, within [T + 1005 + W.lo, T + 1020 + W.hi].
    expect(s.end?.hi).toBeLessThanOrEqual(T + 1020 + 1020);
  });
});

describe("what other processes on one shared budget learnt (a shared limiter's store)", () => {
  const shared = (
    state: BucketState,
    report: { limit?: number; remaining?: number; resetMs?: number },
    sentAt: number,
    receivedAt: number,
    known: { opened?: { lo: number; hi: number }; length?: { lo: number; hi: number } },
  ) => onAnswer(state, report, { sentAt, receivedAt, inFlight: 0, ...known }, options);

  it("a window another process opened is read as if we had: its start, and the end from start and length", () => {
    // Another process's call opened the window at [T, T + 10]; the length is known to [1490, 1500]
    // (no whole second). Our call, sent at T + 100, finds 40 left: it did not open the window.
    const report = { limit: 60, remaining: 40, resetMs: 2000 };
    const s = shared(initialBucket(options), report, T + 100, T + 110, {
      opened: { lo: T, hi: T + 10 },
      length: { lo: 1490, hi: 1500 },
    });
    expect(s.start).toEqual({ lo: T, hi: T + 10 });
    expect(s.windowMs).toEqual({ lo: 1490, hi: 1500 });
    // The reset puts the end in [T + 100 + 2000 − 2000, T + 110 + 2000 + 1000]; start and length
    // in [T + 1490, T + 1510]: the latter holds.
    expect(s.end).toEqual({ lo: T + 1490, hi: T + 1510 });
    // Without the store's word, only the reset's wide interval is known.
    const alone = answer(initialBucket(options), report, T + 100, T + 110);
    expect(alone.start).toBeUndefined();
    expect(alone.end).toEqual({ lo: T + 100, hi: T + 3110 });
  });

  it("a start that cannot be this call's window is not read: opened after the call was sent, or a whole window before", () => {
    const report = { limit: 60, remaining: 40, resetMs: 1000 };
    const length = { lo: 990, hi: 1000 };
    // Opened after the call left: another window than the one the call found.
    const later = shared(initialBucket(options), report, T + 100, T + 110, {
      opened: { lo: T + 105, hi: T + 108 },
      length,
    });
    expect(later.start).toBeUndefined();
    // Sent 1000 ms (the longest window) after the window's latest start: that window was over.
    const over = shared(initialBucket(options), report, T + 1010, T + 1020, {
      opened: { lo: T, hi: T + 10 },
      length,
    });
    expect(over.start).toBeUndefined();
    // 999 ms after: it may still have been open.
    const open = shared(initialBucket(options), report, T + 1009, T + 1020, {
      opened: { lo: T, hi: T + 10 },
      length,
    });
    expect(open.start).toEqual({ lo: T, hi: T + 10 });
  });

  it("the store's length narrows ours where they agree; where they contradict, ours holds", () => {
    const s = { ...initialBucket(options), windowMs: { lo: 950, hi: 1000 } };
    const report = { limit: 60, remaining: 40, resetMs: 1000 };
    expect(shared(s, report, T, T + 10, { length: { lo: 990, hi: 1200 } }).windowMs).toEqual({
      lo: 990,
      hi: 1000,
    });
    expect(shared(s, report, T, T + 10, { length: { lo: 2000, hi: 2500 } }).windowMs).toEqual({
      lo: 950,
      hi: 1000,
    });
  });

  it("on a grid a process reads only its own probes: the store's start and length are not taken", () => {
    const s = { ...initialBucket(options), grid: true, windowMs: { lo: 950, hi: 1050 } };
    const after = shared(s, { limit: 60, remaining: 40, resetMs: 1000 }, T + 100, T + 110, {
      opened: { lo: T, hi: T + 10 },
      length: { lo: 990, hi: 1000 },
    });
    expect(after.start).toBeUndefined();
    expect(after.windowMs).toEqual({ lo: 950, hi: 1050 });
  });
});

describe("windows last whole seconds", () => {
  it("a window seen to end within a second of the start we read did not open then: a grid's, and no length is learnt from it", () => {
    // Our call finds 59 of 60 left at [T, T + 10]: read as opening the window. On a grid, that
    // window may have opened long before and end at T + 300: an answer received at T + 312 shows
    // more left (48) than one before it (39), so the window turned under 312 ms after our start.
    const opened = answer(initialBucket(options), { limit: 60, remaining: 59, resetMs: 1000 }, T, T + 10);
    const lower = answer(opened, { limit: 60, remaining: 39, resetMs: 1000 }, T + 100, T + 110);
    const turned = answer(lower, { limit: 60, remaining: 48, resetMs: 1000 }, T + 200, T + 312);
    expect(turned.remaining).toBe(48);
    // Not [0, 312]: no window is that short (RateLimit-Policy's w is whole seconds), so the start
    // was not one: windows do not open with our calls.
    expect(turned.windowMs?.hi ?? Number.POSITIVE_INFINITY).toBeGreaterThanOrEqual(1000);
    expect(turned.grid).toBe(true);
  });

  it("a length taken as another whole number of seconds than the one checked is checked again", () => {
    // A 1 s length was checked; what is learnt now is [1500, 2400], and a probe at T + 2000 finds
    // the window turned: [1500, 2010] holds one whole second, 2 s, taken; the check was of 1 s.
    const learnt: BucketState = {
      ...initialBucket(options),
      mode: "paced",
      budget: 0,
      limit: 60,
      remaining: 0,
      remainingAt: T + 500,
      start: { lo: T, hi: T + 10 },
      end: { lo: T + 1500, hi: T + 2410 },
      windowMs: { lo: 1500, hi: 2400 },
      lengthChecked: true,
    };
    const turned = answer(
      onRelease(onRefill(learnt, T + 2000)),
      { limit: 60, remaining: 59, resetMs: 2000 },
      T + 2000,
      T + 2010,
    );
    expect(turned.windowMs).toEqual({ lo: 2000, hi: 2000 });
    expect(turned.lengthChecked).toBe(false);
  });
});

describe("a length bounded to one whole number of seconds", () => {
  // Learnt across windows, the length is [950, 1040]: one whole second lies in it. Our call opens
  // the next window (59 of 60 left), sent at T, answered at T + 10.
  const learnt = { ...initialBucket(options), windowMs: { lo: 950, hi: 1040 } };
  const opened = answer(learnt, { limit: 60, remaining: 59, resetMs: 1000 }, T, T + 10);
  const spent = answer(opened, { limit: 60, remaining: 0, resetMs: 1000 }, T + 500, T + 510);

  it("is taken to be that second: the edge is the start's interval a second on", () => {
    expect(opened.windowMs).toEqual({ lo: 1000, hi: 1000 });
    expect(opened.end).toEqual({ lo: T + 1000, hi: T + 1010 });
  });

  it("is checked once, by a probe 5% of the window before the edge it gives", () => {
    // The edge's earliest, less max(2 probe steps of 10 ms, 5% of 1000 ms): T + 1000 − 50.
    expect(spent.refillAt).toBe(T + 950);
    // Refused: the length is no overestimate; the next probe goes at the edge's top.
    const refused = onRefused(
      onRelease(onRefill(spent, T + 950)),
      { limit: 60, remaining: 0, resetMs: 1000 },
      {
        sentAt: T + 950,
        receivedAt: T + 960,
        inFlight: 0,
      },
    );
    expect(refused.lengthChecked).toBe(true);
    expect(refused.refillAt).toBe(T + 1010);
  });

  it("is checked by any call refused from that moment on, not only this process's probe", () => {
    // A shared budget: another process's store let this call go at T + 960 with a unit this
    // process still counted (budget 1, no probe of ours). Refused, it shows the window open then.
    const counted = { ...spent, budget: 1, refillAt: undefined };
    const refused = onRefused(
      onRelease(counted),
      { limit: 60, remaining: 0, resetMs: 1000 },
      { sentAt: T + 960, receivedAt: T + 970, inFlight: 0 },
    );
    expect(refused.lengthChecked).toBe(true);
    // Refused before the check's moment, it shows nothing of the length.
    const early = onRefused(
      onRelease(counted),
      { limit: 60, remaining: 0, resetMs: 1000 },
      { sentAt: T + 900, receivedAt: T + 910, inFlight: 0 },
    );
    expect(early.lengthChecked).toBeFalsy();
  });

  it("answered, the window was shorter: the whole seconds are dropped for good", () => {
    // Learnt [1950, 2040]: taken as 2 s. Our call opens a window at [T, T + 10], spent at T + 510;
    // the check goes at T + 2000 − 100 (5% of 2 s) and finds a new window (59 left) at T + 1910:
    // the old one lasted under 1910 ms (a 1.5 s window, say).
    const twoSeconds = { ...initialBucket(options), windowMs: { lo: 1950, hi: 2040 } };
    const open = answer(twoSeconds, { limit: 60, remaining: 59, resetMs: 2000 }, T, T + 10);
    const spentAt = answer(open, { limit: 60, remaining: 0, resetMs: 2000 }, T + 500, T + 510);
    expect(spentAt.refillAt).toBe(T + 1900);
    const probe = onRelease(onRefill(spentAt, T + 1900));
    const turned = answer(probe, { limit: 60, remaining: 59, resetMs: 2000 }, T + 1900, T + 1910);
    expect(turned.fractional).toBe(true);
    expect(turned.windowMs?.hi).toBeLessThanOrEqual(1910);
    expect(turned.grid).toBeFalsy();
  });
});

describe("a first window's edge, the length not yet learnt", () => {
  // Our call opened the window (599 of 600 left), sent at T, answered at T + 30: a 10 s reset puts
  // the end in [T + 8000, T + 11030], so the length is in [7970, 11030] (8 to 11 whole seconds).
  const opened = answer(initialBucket(options), { limit: 600, remaining: 599, resetMs: 10_000 }, T, T + 30);
  // Spent at T + 2010 with an 8 s reset: the end is in [T + 8000, T + 11010], a refill no later
  // than the reset, T + 10010.
  const spent = answer(opened, { limit: 600, remaining: 0, resetMs: 8000 }, T + 2000, T + 2010);

  it("is probed a whole number of seconds after the window opened, not at the interval's middle", () => {
    expect(opened.windowMs).toEqual({ lo: 7970, hi: 11_030 });
    // The first whole second in the interval, at the start's top: T + 30 + 8000 (the middle of
    // [T + 8000, T + 10010] would be T + 9005).
    expect(spent.refillAt).toBe(T + 8030);
  });

  it("a refused probe rules that second out: the next probe goes a second later", () => {
    const probe = onRelease(onRefill(spent, T + 8030));
    const refused = onRefused(
      probe,
      { limit: 600, remaining: 0, resetMs: 2000 },
      {
        sentAt: T + 8030,
        receivedAt: T + 8040,
        inFlight: 0,
      },
    );
    expect(refused.refillAt).toBe(T + 9030);
  });

  it("a refill is a whole millisecond no earlier than the edge, so its refusal rules that second out", () => {
    // As above, the answer received at T + 30.4: the edge is T + 8030.4, so the refill goes at
    // T + 8031 (rounded to T + 8030, the probe would try the second before the edge, and its
    // refusal would leave that second to be probed again).
    const open = answer(initialBucket(options), { limit: 600, remaining: 599, resetMs: 10_000 }, T, T + 30.4);
    const spentAt = answer(open, { limit: 600, remaining: 0, resetMs: 8000 }, T + 2000, T + 2010);
    expect(spentAt.refillAt).toBe(T + 8031);
    const refused = onRefused(
      onRelease(onRefill(spentAt, T + 8031)),
      { limit: 600, remaining: 0, resetMs: 2000 },
      { sentAt: T + 8031, receivedAt: T + 8041, inFlight: 0 },
    );
    expect(refused.refillAt).toBe(T + 9031);
  });
});

describe("an answer whose reset ends before the window we inferred", () => {
  // Our call opened the window at [T, T + 30] and the length is taken as 10 s: end [T + 10 000,
  // T + 10 030]. On a grid, the server's window may end sooner.
  const opened = {
    ...answer(initialBucket(options), { limit: 600, remaining: 599, resetMs: 10_000 }, T, T + 30),
    windowMs: { lo: 10_000, hi: 10_000 },
    end: { lo: T + 10_000, hi: T + 10_030 },
  };

  it("sent after the window opened, it is this window's: its count and end are taken", () => {
    // Sent at T + 5000, 2 left, a 3 s reset: the end is in [T + 6000, T + 9010], before ours.
    const s = answer(opened, { limit: 600, remaining: 2, resetMs: 3000 }, T + 5000, T + 5010);
    expect(s.remaining).toBe(2);
    expect(s.budget).toBe(2);
    expect(s.end).toEqual({ lo: T + 6000, hi: T + 9010 });
  });

  it("sent before it opened, it speaks of the window before: ignored", () => {
    const s = answer(opened, { limit: 600, remaining: 2, resetMs: 0 }, T - 50, T + 40);
    expect(s).toBe(opened);
  });
});

describe("the concurrency cap", () => {
  it("a concurrency 429 is limit 0 and remaining 0 (okta-api.md §3)", () => {
    expect(isConcurrencyRefusal({ limit: 0, remaining: 0 })).toBe(true);
    expect(isConcurrencyRefusal({ limit: 600, remaining: 0 })).toBe(false);
  });

  it("starts at 16, below Okta's documented 75 and 35 (okta-api.md §3), or at a lower maximum", () => {
    expect(initialConcurrency(100).cap).toBe(16);
    expect(initialConcurrency(8).cap).toBe(8);
  });

  it("slow start: ×1.5 a round below 32, then +4 a round, and only while the cap is in use", () => {
    let c = initialConcurrency(100);
    // Successes of calls that never filled the cap are no evidence.
    for (let i = 0; i < 40; i++) c = onCallSucceeded(c);
    expect(c.cap).toBe(16);
    // A saturated pipeline: every success frees a slot that a queued call takes at once, so our
    // calls in flight stay at the cap. Hand-worked: below 32, +1 per two successes (16 successes,
    // a round at 16, give +8: ×1.5); from 32, +4 per cap of successes.
    const succeed = (n: number) => {
      for (let i = 0; i < n; i++) {
        c = onCallSent(c, c.cap);
        c = onCallSucceeded(c);
      }
      return c.cap;
    };
    expect(succeed(16)).toBe(24);
    expect(succeed(16)).toBe(32);
    expect(succeed(32)).toBe(36);
    expect(succeed(36)).toBe(40);
  });

  it("each refused call of a round takes one slot off; the cap one above is the ceiling, reached again only after `patience` rounds", () => {
    let c = { ...initialConcurrency(100), cap: 40 };
    // A burst of 40 met a limit of 32: eight refusals, all sent at T.
    c = onConcurrencyRefused(c, T, T + 100);
    for (let i = 1; i < 8; i++) c = onConcurrencyRefused(c, T, T + 100 + i);
    expect(c.cap).toBe(32);
    expect(c.ceiling).toBe(33);
    expect(c.slowStart).toBe(false);
    // A refusal of a call sent before the previous cut's round is old news.
    const cut2 = onConcurrencyRefused(c, T + 200, T + 400);
    expect(cut2.cap).toBe(31);
    expect(onConcurrencyRefused(cut2, T + 50, T + 410).cap).toBe(31);
    // From 32 the step to the ceiling (33) needs 16 caps of successes while in use.
    c = onCallSent(c, 32);
    for (let i = 0; i < 16 * 32 - 1; i++) c = onCallSucceeded(c);
    expect(c.cap).toBe(32);
    c = onCallSucceeded(c);
    expect(c.cap).toBe(33);
  });

  it("the patience doubles with each round of refusals, up to 64", () => {
    let c = initialConcurrency(100);
    const patience: number[] = [];
    for (let r = 0; r < 6; r++) {
      c = onConcurrencyRefused(c, T + 1000 * r, T + 1000 * r + 10);
      patience.push(c.patience);
    }
    expect(patience).toEqual([16, 32, 64, 64, 64, 64]);
  });

  it("never below one nor above the maximum", () => {
    let c = initialConcurrency(2);
    for (let i = 0; i < 5; i++) c = onConcurrencyRefused(c, T + i * 10, T + i * 10 + 5);
    expect(c.cap).toBe(1);
    c = onCallSent(c, 1);
    for (let i = 0; i < 64; i++) c = onCallSucceeded(c);
    expect(c.cap).toBe(2);
    c = onCallSent(c, 2);
    for (let i = 0; i < 1000; i++) c = onCallSucceeded(c);
    expect(c.cap).toBe(2);
  });
});

describe("a gateway that reports budgets only on its 429s", () => {
  const none = {};
  // Free until refused; the 429 (limit 60, reset 1 s) holds the bucket and teaches the limit.
  const refused = () => {
    const free = answer(initialBucket(options), none, T, T + 10);
    expect(free).toMatchObject({ mode: "free", budget: null });
    return onRefused(
      free,
      { limit: 60, remaining: 0, resetMs: 1000 },
      { sentAt: T + 100, receivedAt: T + 110, inFlight: 0 },
    );
  };
  const probeAnswered = (s: BucketState, at: number) =>
    answer(onRelease(onRefill(s, at)), none, at, at + 10, 0);

  it("its first 429 is the first word on the window: the reset bounds the edge, no probe goes at once", () => {
    const free = answer(initialBucket(options), none, T, T + 10);
    const s = onRefused(
      free,
      { limit: 600, remaining: 0, resetMs: 9000 },
      { sentAt: T + 100, receivedAt: T + 110, inFlight: 0 },
    );
    // End ∈ [T + 100 + 9000 − 2000, T + 110 + 9000 + 1000], capped by the 429's own reset at
    // T + 9110: the first probe bisects [T + 7100, T + 9110].
    expect(s.end).toEqual({ lo: T + 7100, hi: T + 10_110 });
    expect(s.refillAt).toBe(T + 8105);
  });

  it("the probe that is answered opened the window: its start, and the limit less one, are known", () => {
    const s = probeAnswered(refused(), T + 1200);
    expect(s).toMatchObject({
      mode: "paced",
      held: false,
      budget: 59,
      start: { lo: T + 1200, hi: T + 1210 },
    });
    // Nothing bounds the length yet, so nothing says where this window ends.
    expect(s.end).toBeUndefined();
  });

  it("spent with no edge known, it probes a second on; that probe finds the edge and is no refused try at it", () => {
    let s: BucketState = { ...probeAnswered(refused(), T + 1200), budget: 0 };
    s = ensureRefill(s, T + 1500, 0);
    expect(s.refillAt).toBe(T + 2500);
    // Refused at T + 2500, reset 1 s: end ∈ [T + 2500 − 2000 → sent T + 2500, T + 2510 + 1000 + 1000].
    s = onRefused(
      onRelease(onRefill(s, T + 2500)),
      { limit: 60, remaining: 0, resetMs: 1000 },
      {
        sentAt: T + 2500,
        receivedAt: T + 2510,
        inFlight: 0,
      },
    );
    expect(s.refusedProbes).toBe(0);
    // The window opened at T + 1200..1210 and was still open at T + 2500: W ≥ 1290.
    expect(s.windowMs?.lo).toBe(1290);
  });

  it("the next window's start bounds the last one's length; its edge is then planned from start and length", () => {
    let s = probeAnswered(refused(), T + 1200);
    // Spent, probed at T + 2300 and answered: the window turned by T + 2310, so W ≤ 2310 − 1200.
    s = probeAnswered({ ...s, budget: 0 }, T + 2300);
    expect(s.windowMs).toEqual({ lo: 0, hi: 1110 });
    expect(s.end).toEqual({ lo: T + 2300, hi: T + 2310 + 1110 });
    // Spent again with no 429 this window: the probe goes inside [start, start + W], not a second
    // after now (T + 3400): at the one whole second W may be, from the start's top (T + 2310 + 1000).
    expect(planRefill({ ...s, budget: 0 }, T + 2400)).toBe(T + 3310);
  });
});

describe("two buckets found to be one budget", () => {
  it("each side's budget loses the other side's calls in flight; the least holds", () => {
    // Traced in the 40-in-flight cell: budgets 8 and 4 with 18 and 13 calls out: nothing is left.
    expect(mergedBudget({ budget: 8, inFlight: 18 }, { budget: 4, inFlight: 13 })).toBe(0);
    expect(mergedBudget({ budget: 20, inFlight: 2 }, { budget: 15, inFlight: 3 })).toBe(13);
    expect(mergedBudget({ budget: null, inFlight: 4 }, { budget: 10, inFlight: 1 })).toBe(6);
    expect(mergedBudget({ budget: null, inFlight: 4 }, { budget: null, inFlight: 1 })).toBeNull();
  });
});

describe("resets rounded down", () => {
  it("a 429 saying its window resets within the second marks resets early; a 1 s reset does not", () => {
    const probe = onRelease(
      onRefill(
        answer(initialBucket(options), { limit: 60, remaining: 0, resetMs: 2000 }, T, T + 10),
        T + 1005,
      ),
    );
    const exchange = { sentAt: T + 1005, receivedAt: T + 1015, inFlight: 0 };
    expect(onRefused(probe, { limit: 60, remaining: 0, resetMs: 0 }, exchange).resetsEarly).toBe(true);
    expect(
      onRefused(probe, { limit: 60, remaining: 0, resetMs: 1000 }, exchange).resetsEarly,
    ).toBeUndefined();
  });

  it("then a reported reset caps a refill a second later", () => {
    // Spent at T + 10 with a 2 s reset: end (T, T + 3010], reported end T + 2010.
    const s = answer(initialBucket(options), { limit: 60, remaining: 0, resetMs: 2000 }, T, T + 10);
    // Bisect (T, T + 2010] → T + 1005; resets early, bisect (T, T + 3010] → T + 1505.
    expect(planRefill(s, T + 10)).toBe(T + 1005);
    expect(planRefill({ ...s, resetsEarly: true }, T + 10)).toBe(T + 1505);
  });
});

/**
 * A bucket of 60 calls on a server whose windows sit on a 1 s grid (edges at `phase` + k s) or
 * open with the first call after the last one ended. One call is out at a time: counted 5 ms
 * after it is sent, answered 5 ms later, with the window's reset in whole seconds rounded up. The
 * policy's own plan decides when each probe goes. Returns the policy's last state, the window
 * edges, and the refused calls per window.
 */
function serve(model: "grid" | "first-request", windows: number, phase = 337) {
  const length = 1000;
  const limit = 60;
  let state = initialBucket(options);
  let now = T;
  let windowStart = model === "grid" ? T - length + phase : Number.NEGATIVE_INFINITY;
  let counted = 0;
  const edges: number[] = [];
  const refused: number[] = [];
  while (edges.length < windows) {
    if (state.budget === 0) {
      now = Math.max(now, state.refillAt ?? now);
      state = onRefill(state, now);
    }
    state = onRelease(state);
    const sentAt = now;
    const at = now + 5;
    // The window the call arrives in.
    if (model === "grid") {
      while (at >= windowStart + length) {
        windowStart += length;
        counted = 0;
        edges.push(windowStart);
      }
    } else if (at >= windowStart + length) {
      windowStart = at;
      counted = 0;
      edges.push(windowStart);
    }
    const resetMs = Math.ceil((windowStart + length - at) / 1000) * 1000;
    now += 10;
    if (counted < limit) {
      counted++;
      state = answer(state, { limit, remaining: limit - counted, resetMs }, sentAt, now);
    } else {
      refused[edges.length] = (refused[edges.length] ?? 0) + 1;
      state = onRefused(state, { limit, remaining: 0, resetMs }, { sentAt, receivedAt: now, inFlight: 0 });
    }
  }
  return { state, edges, refused };
}

describe("windows on a grid", () => {
  it("a grid is found, its windows' length taken as the whole second, and its edges hit without refusals", () => {
    const { state, edges, refused } = serve("grid", 30);
    expect(state.grid).toBe(true);
    expect(state.windowMs).toEqual({ lo: 1000, hi: 1000 });
    // The next edge is the grid's, and the learnt end holds it to about a round trip each side
    // (10 ms round trips: within 25 ms).
    const next = (edges.at(-1) as number) + 1000;
    expect(state.end?.lo).toBeLessThanOrEqual(next);
    expect(state.end?.hi).toBeGreaterThanOrEqual(next);
    expect((state.end?.hi ?? 0) - (state.end?.lo ?? 0)).toBeLessThanOrEqual(25);
    // Once learnt, no window's probe is refused.
    expect(refused.slice(20).reduce((a, b) => a + (b ?? 0), 0)).toBe(0);
  });

  it("on a grid, a length taken as a whole second is checked once, by a probe a little before its edge", () => {
    const base: BucketState = {
      ...initialBucket(options),
      mode: "paced",
      budget: 0,
      remaining: 0,
      grid: true,
      windowMs: { lo: 1000, hi: 1000 },
      start: { lo: T, hi: T + 10 },
      end: { lo: T + 1000, hi: T + 1010 },
    };
    // 5% of the window (50 ms, more than two 10 ms probe steps) before the edge's earliest.
    expect(planRefill(base, T + 500)).toBe(T + 950);
    // Refused there: the length is no overestimate, and the edge is probed at its top from then on.
    const probe = onRelease(onRefill(base, T + 950));
    const refused = onRefused(
      probe,
      { limit: 60, remaining: 0, resetMs: 1000 },
      { sentAt: T + 950, receivedAt: T + 960, inFlight: 0 },
    );
    expect(refused.lengthChecked).toBe(true);
    expect(planRefill({ ...base, lengthChecked: true }, T + 500)).toBe(T + 1010);
  });

  it("windows that open with a call are never taken for a grid", () => {
    const { state, refused } = serve("first-request", 30);
    expect(state.grid).toBeUndefined();
    expect(refused.slice(10).reduce((a, b) => a + (b ?? 0), 0)).toBeLessThanOrEqual(2);
  });
});
