import type { RateLimitSignal } from "./rate-limit-headers.js";

/**
 * The pacing policy of one rate-limit bucket, as pure functions of (state, report, time). It
 * decides how many calls may still go in the current window (`budget`), when a spent bucket
 * may try again (`refillAt`), and what each answer teaches about the window. The queue that
 * obeys it (bottleneck, or a simulator in virtual time) lives elsewhere.
 *
 * The rules, in words:
 * 1. The budget is the least the server has said remains this window, less our calls still in
 *    flight (or lost): every call answered this window was counted by then (a later count would
 *    have reported less). It is recomputed with each answer; held by a 429, it only shrinks.
 * 2. A window has turned when an answer reports more budget than an answer received before that
 *    call was sent (the server's count only falls within a window), or reports an end after the
 *    current one. Answers to calls sent before the last refill speak of an old window: ignored.
 * 3. A whole-second reset, passed through a gateway, is up to two seconds off either way, so
 *    each report bounds the window's end to an interval and the reports of one window are
 *    intersected. Where a window opened with one of our calls, its start is known to the
 *    millisecond, and since windows open with the first call after the last one ended, the
 *    window's length is learnt across windows (each turn and each early probe bounds it).
 * 4. A spent bucket releases one probe at the earliest plausible end (halving the interval while
 *    it is wide, its top once narrow); the probe's answer turns the window or tells us it has not.
 *    After a refused probe, bisect again only while the edge is wide against the window (at most
 *    three refused a window), then the top. A refill never waits past the latest reset the server
 *    reported (a second past it once a 429 showed resets rounded down), nor past the reset of the
 *    last 429: nothing seen later moves it further. A length bounded to one whole number of
 *    seconds is taken to be it, until one probe a little before the edge it gives is answered.
 *    Where windows sit on a grid (what was learnt of their length contradicts itself), a start
 *    is read as a grid's and whole-second lengths carry each edge to the next.
 * 5. A 429 holds the bucket until its own reset (a probe may go sooner when the 429 contradicts
 *    the budget we knew: an injected 429, or another client's spend). A concurrency 429 (limit 0, remaining 0,
 *    okta-api.md §3) is about calls in flight, not this bucket: see `concurrency-policy.ts`.
 * 6. Far above what could be in flight there is nothing to pace (`free`); shared buckets never are.
 */
export interface Interval {
  lo: number;
  hi: number;
}

export interface BucketState {
  mode: "unknown" | "free" | "paced";
  /** Calls that may still be released in this window; null = not limited. */
  budget: number | null;
  /** The server's ceiling, last non-zero report. */
  limit?: number;
  /** The least budget reported in the current window, and when that answer arrived. */
  remaining?: number;
  remainingAt: number;
  /** Where the current window ends (epoch ms). */
  end?: Interval;
  /** Where it started, when one of our calls opened it. */
  start?: Interval;
  /** The window's length, learnt across windows. */
  windowMs?: Interval;
  /**
   * Windows sit on a grid: what was learnt of their length contradicted itself, as it does when
   * windows do not open with a call. A call that finds a window open then shows only that it
   * opened before the call, after the last moment the old one was seen open.
   */
  grid?: boolean;
  /**
   * The length taken as a whole number of seconds was contradicted: never again (until windows
   * are found to sit on a grid, and their lengths are read afresh).
   */
  fractional?: boolean;
  /**
   * A probe sent a little before the edge a whole-second length gives was refused: the length is
   * no overestimate. Until then one probe a window checks it, since a length rounded up
   * would only ever make probes late, never refused.
   */
  lengthChecked?: boolean;
  /** On a grid: the narrowest interval known to hold a window's edge (later edges are whole lengths on). */
  anchor?: Interval;
  /** `receivedAt + reset` of the latest report: a refill never waits past it. */
  reportedEnd?: number;
  /** The reset of the latest 429 this window. */
  refusedUntil?: number;
  /**
   * A 429 said its window resets within the second: this server rounds its whole-second resets
   * down, so a reset caps a refill only a second later.
   */
  resetsEarly?: boolean;
  /** A 429 holds the bucket until a probe is answered (set even when the 429 spoke of no known window). */
  held: boolean;
  /** A refill released one probe and its answer has not come yet. */
  probing: boolean;
  /** Probes refused in this window (one, then wait for the top). */
  refusedProbes: number;
  /** When the last refused probe was sent: any reset the server reported before it was early. */
  refusedProbeAt?: number;

  /** When a spent bucket releases its next probe. */
  refillAt?: number;
  /** When the budget was last refilled: answers to calls sent earlier are stale. */
  refilledAt: number;
}

export interface Exchange {
  sentAt: number;
  receivedAt: number;
  /** This bucket's calls released and not yet answered, this one not counted. */
  inFlight: number;
  /** This bucket's calls lost (no answer) in this window: the server may have counted them unseen. */
  lost?: number;
  /**
   * Where the window this call was granted in opened, as the process whose call opened it saw it
   * (a shared limiter's store keeps it): what a process that did not open the window knows of it.
   */
  opened?: Interval;
  /** What the processes sharing the budget have learnt of its windows' length. */
  length?: Interval;
}

export interface PolicyOptions {
  /** Budget above this many calls is not paced. Infinity keeps a bucket paced (shared ones). */
  freeAbove: number;
  /** Calls released before the first answer tells the budget. */
  firstBudget: number;
}

/** How far a whole-second reset may be from the truth: rounded at Okta, then again at a gateway. */
const REPORT_EARLY_MS = 2000;
const REPORT_LATE_MS = 1000;
/**
 * Probes a window may bisect its edge with, and the share of the window's length an edge must
 * still span to bisect again after a refused one: a further halving saves a quarter of the edge
 * on average for a 429 half the time, worth it only where the edge is wide (1 s windows at 100 ms).
 */
const MAX_BISECTS = 3;
const REBISECT_SHARE = 0.15;
/** Resets and windows are whole seconds; a reset rounded down is up to one early. */
const SECOND_MS = 1000;
/** A wait when the server said nothing of when to come back. */
const UNKNOWN_RESET_MS = 1000;

export function initialBucket(options: PolicyOptions): BucketState {
  return {
    mode: "unknown",
    budget: options.firstBudget,
    remainingAt: 0,
    refusedProbes: 0,
    refilledAt: 0,
    held: false,
    probing: false,
  };
}

export const intersect = (a: Interval | undefined, b: Interval | undefined): Interval | undefined => {
  if (!a || !b) return a ?? b;
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return lo <= hi ? { lo, hi } : undefined;
};

/** Where a report of `resetMs` puts the window's end, for a call sent at `sentAt`, answered at `receivedAt`. */
export function reportedEndInterval(resetMs: number, sentAt: number, receivedAt: number): Interval {
  return { lo: sentAt + resetMs - REPORT_EARLY_MS, hi: receivedAt + resetMs + REPORT_LATE_MS };
}

/** A call was answered (not refused): learn from its report. */
export function onAnswer(
  state: BucketState,
  report: RateLimitSignal | undefined,
  exchange: Exchange,
  options: PolicyOptions,
): BucketState {
  const { sentAt, receivedAt } = exchange;
  state = withSharedLength(state, exchange.length);
  if (report?.remaining === undefined) {
    // A server that reports no budget cannot be paced from it; 429s still pace it. A probe
    // answered without a report (a gateway that speaks of budgets only on its 429s) ends the
    // hold: the bucket is free again, or it would release one call per round trip for ever.
    const probeAnswered = state.probing && sentAt >= state.refilledAt;
    if (state.mode === "unknown") return { ...state, mode: "free", budget: null };
    if (!probeAnswered) return state;
    // The window has turned (a 429's limit told us its size): its last known budget, less this
    // probe and what is in flight. Unknown: free, and 429s pace it.
    if (state.limit === undefined)
      return { ...state, mode: "free", budget: null, held: false, probing: false, refillAt: undefined };
    const remaining = Math.max(0, state.limit - 1);
    // The probe, the only call out, opened this window (windows open with the first call after
    // the last one ended): its start is the probe's exchange. The last window, opened the same
    // way, ended before this answer came, which bounds the length the refused probes bound below.
    const next = { ...state };
    const windowMs = state.start ? relearn(next, { lo: 0, hi: receivedAt - state.start.lo }) : state.windowMs;
    const start = openedAt(state, sentAt, receivedAt, next.grid);
    return {
      ...next,
      mode: "paced",
      held: false,
      probing: false,
      remaining,
      remainingAt: receivedAt,
      start,
      windowMs,
      end: windowMs && start ? { lo: start.lo + windowMs.lo, hi: start.hi + windowMs.hi } : undefined,
      refusedUntil: undefined,
      refusedProbes: 0,
      refusedProbeAt: undefined,
      budget: Math.max(0, remaining - exchange.inFlight),
      refillAt: undefined,
    };
  }
  if (report.limit === 0) return state;
  if (sentAt < state.refilledAt) return state;
  const reportEnd =
    report.resetMs !== undefined ? reportedEndInterval(report.resetMs, sentAt, receivedAt) : undefined;
  const turned =
    state.remaining === undefined ||
    (report.remaining > state.remaining && sentAt >= state.remainingAt) ||
    (reportEnd !== undefined && state.end !== undefined && reportEnd.lo >= state.end.hi);
  // An end before the one we know is an older window's, if the call may have been counted in it;
  // sent after this window opened, it is this window's, and what we inferred of its end was wrong.
  const older = state.start === undefined || sentAt < state.start.hi;
  if (!turned && reportEnd && state.end && reportEnd.hi <= state.end.lo && older) return state;
  const limit = report.limit ?? state.limit;
  const next: BucketState = { ...state, limit, probing: false };
  if (report.resetMs !== undefined) next.reportedEnd = receivedAt + report.resetMs;
  if (turned) {
    if (state.start && state.remaining !== undefined) {
      // The previous window ended before this answer arrived.
      next.windowMs = relearn(next, { lo: 0, hi: receivedAt - state.start.lo });
    }
    next.remaining = report.remaining;
    next.remainingAt = receivedAt;
    next.end = reportEnd;
    next.refusedUntil = undefined;
    next.refusedProbes = 0;
    next.refusedProbeAt = undefined;

    // This call opened the window when it spent the window's first unit; else another process's did.
    next.start =
      limit !== undefined && report.remaining === limit - 1
        ? openedAt(state, sentAt, receivedAt, next.grid)
        : sharedStart(next, exchange, state.start);
    wholeSeconds(next);
    learnGrid(next);
    // A length taken as another whole number of seconds than the one checked is unchecked.
    if (takenWhole(next.windowMs) && next.windowMs?.lo !== state.windowMs?.lo) next.lengthChecked = false;
  } else {
    if (report.remaining < (state.remaining ?? Number.POSITIVE_INFINITY)) {
      next.remaining = report.remaining;
      next.remainingAt = receivedAt;
    }
    next.end = intersect(state.end, reportEnd) ?? reportEnd ?? state.end;
    next.start ??= sharedStart(next, exchange);
  }
  learnWindow(next);
  const target = Math.max(0, (next.remaining ?? 0) - exchange.inFlight - (exchange.lost ?? 0));
  if (next.mode !== "paced" && target > options.freeAbove) return { ...next, mode: "free", budget: null };
  // A probe answered after a 429's hold releases the bucket, in the same window or a new one.
  const released = state.held && sentAt >= state.refilledAt;
  if (released) next.held = false;
  const raise = turned || released || next.mode !== "paced" || next.budget === null;
  // `target` is what is certainly left: every answered call of this window was counted no later
  // than the least report (a later count would have reported less), so only calls in flight or
  // lost may be missing from it. It is the budget, fresh with each answer: keeping the least of
  // the past targets would strand the units that calls in flight had already been counted for.
  // Held by a 429, the bucket only shrinks until a probe is answered.
  next.budget = raise || !state.held ? target : Math.min(next.budget ?? target, target);
  next.mode = "paced";
  next.refillAt = next.budget === 0 ? planRefill(next, receivedAt) : undefined;
  return next;
}

/** The window's length from its start and end, and its end from its start and length. */
function learnWindow(state: BucketState): void {
  if (!state.start || !state.end) return;
  const { start, end } = state;
  state.windowMs = relearn(state, { lo: end.lo - start.hi, hi: end.hi - start.lo });
  if (state.windowMs) {
    const fromLength = { lo: start.lo + state.windowMs.lo, hi: start.hi + state.windowMs.hi };
    state.end = intersect(end, fromLength) ?? end;
  }
}

/**
 * The window's length within a new bound. A bound that contradicts what was learnt means the
 * server is not what we thought: start over, and take windows to sit on a grid (`grid`).
 */
function relearn(state: BucketState, bound: Interval): Interval | undefined {
  // Windows last whole seconds (RateLimit-Policy's w): one seen to end within a second of the
  // start we read did not open then, so windows sit on a grid (this was its first window, entered
  // midway). It says nothing of the length.
  if (bound.hi < SECOND_MS) {
    state.grid = true;
    state.fractional = false;
    return state.windowMs;
  }
  const both = intersect(state.windowMs, bound);
  if (both) return both;
  // A length taken as a whole number of seconds was not one: that is all this says.
  if (takenWhole(state.windowMs)) {
    state.fractional = true;
    return bound;
  }
  if (state.windowMs && !state.grid) {
    // What was read from probes as window starts, and the edges drawn from them, go too; read
    // as a grid's, its lengths may be whole seconds again.
    state.grid = true;
    state.fractional = false;
    state.start = undefined;
    state.end = undefined;
  }
  return bound;
}

const middle = (i: Interval) => (i.lo + i.hi) / 2;

/**
 * A window is a whole number of seconds (RateLimit-Policy's `w`; Okta's are "usually 60 s"): a
 * length bounded to one such number is taken to be that number, until a probe a little before
 * the edge it gives is answered (`lengthCheck`, `fractional`). Learnt across windows, a length is
 * only known to within a round trip; taken whole, each edge is then known to within the start's.
 */
function wholeSeconds(state: BucketState): void {
  if (!state.start || state.fractional || !state.windowMs) return;
  const seconds = Math.ceil(state.windowMs.lo / SECOND_MS);
  if (seconds >= 1 && seconds === Math.floor(state.windowMs.hi / SECOND_MS))
    state.windowMs = { lo: seconds * SECOND_MS, hi: seconds * SECOND_MS };
}

/** A length taken as a whole number of seconds (it is bounded to no other). */
export function takenWhole(length: Interval | undefined): boolean {
  return length !== undefined && length.lo === length.hi;
}

/**
 * On a grid, edges sit whole lengths apart: from an earlier edge and the windows since, the
 * length is bounded that many times tighter, and so is this window's start. Used while the
 * count of windows is unambiguous (that many lengths known to within half of one). With
 * whole-second lengths, edges follow each other exactly, each learnt from the last one's.
 */
function learnGrid(state: BucketState): void {
  if (!state.grid || !state.start) return;
  const { start, anchor, windowMs: length } = state;
  if (anchor && length && length.lo > 0 && Number.isFinite(length.hi)) {
    const windows = Math.round((middle(start) - middle(anchor)) / middle(length));
    if (windows >= 1 && windows * (length.hi - length.lo) < length.lo / 2) {
      const whole =
        relearn(state, { lo: (start.lo - anchor.hi) / windows, hi: (start.hi - anchor.lo) / windows }) ??
        length;
      state.windowMs = whole;
      const edge = { lo: anchor.lo + windows * whole.lo, hi: anchor.hi + windows * whole.hi };
      state.start = intersect(start, edge) ?? start;
    }
  }
  const edge = state.start as Interval;
  if (!anchor || edge.hi - edge.lo <= anchor.hi - anchor.lo) state.anchor = edge;
}

/**
 * The start another process saw for the window this call was granted in, where it can be this
 * call's window: opened before the call was sent, not so long before that the window must have
 * ended, and after the start of the window this answer turned from (`left`). On a grid only a
 * process's own probes are read (as a grid's starts).
 */
function sharedStart(
  state: BucketState,
  { opened, sentAt }: Exchange,
  left?: Interval,
): Interval | undefined {
  if (!opened || state.grid || opened.lo > sentAt) return undefined;
  // A window that turned: the start told when the call was granted may be the one it turned from.
  if (left && opened.lo <= left.hi) return undefined;
  return sentAt < opened.hi + (state.windowMs?.hi ?? Number.POSITIVE_INFINITY) ? opened : undefined;
}

/** What other processes learnt of the windows' length, where it agrees with ours (not on a grid). */
function withSharedLength(state: BucketState, length: Interval | undefined): BucketState {
  if (!length || state.grid) return state;
  const both = intersect(state.windowMs, length);
  return both ? { ...state, windowMs: both } : state;
}

/** The start this answer found: the window opened with its call (a start read from it ends at its receipt). */
export function foundStart(state: BucketState, receivedAt: number): Interval | undefined {
  return state.start?.hi === receivedAt ? state.start : undefined;
}

/**
 * Where the window a call found open (its first unit spent) began. Windows open with the first
 * call after the last one ended, so at the call; on a grid, only after the last moment the old
 * window was seen open (a refused probe's send, or the old end's earliest) and before the answer.
 */
function openedAt(
  state: BucketState,
  sentAt: number,
  receivedAt: number,
  grid = state.grid,
): Interval | undefined {
  if (!grid) return { lo: sentAt, hi: receivedAt };
  const seenOpen = Math.max(
    state.refusedProbeAt ?? Number.NEGATIVE_INFINITY,
    state.end?.lo ?? Number.NEGATIVE_INFINITY,
  );
  return Number.isFinite(seenOpen) ? { lo: Math.min(seenOpen, sentAt), hi: receivedAt } : undefined;
}

/**
 * A call was refused with a rate-limit 429 (not a concurrency one). The bucket holds until the
 * 429's reset. A reset that agrees with the window we know also says the window is spent (and,
 * for a probe, that it had not ended when the probe arrived); one that contradicts it (an injected
 * 429, another client's budget) holds the bucket and teaches nothing else.
 */
export function onRefused(
  state: BucketState,
  report: RateLimitSignal | undefined,
  exchange: Exchange,
): BucketState {
  const { sentAt, receivedAt } = exchange;
  // Refused in a window that has since been refilled: the call just queues again.
  if (sentAt < state.refilledAt) return state;
  // A wait of zero (or in the past) is no wait the server can mean: it would be a storm.
  const waitMs = positive(report?.retryAfterMs) ?? positive(report?.resetMs) ?? UNKNOWN_RESET_MS;
  const probe = state.probing;
  const next: BucketState = {
    ...state,
    mode: "paced",
    budget: 0,
    held: true,
    probing: false,
    refusedUntil: receivedAt + waitMs,
    // A probe sent with no edge known (a spent bucket that had heard no reset) only finds one:
    // it is not a refused try at the edge, which would end the bisecting.
    refusedProbes: state.refusedProbes + (probe && state.end ? 1 : 0),
    refusedProbeAt: probe ? sentAt : state.refusedProbeAt,
  };
  // Still open a little before the edge a whole-second length gives: it is no overestimate. Any
  // call refused from then on shows it (with a shared budget, another process's call may take
  // the unit this process's check would have).
  const check = lengthCheck(state);
  if (check !== undefined && (probe || sentAt >= check)) next.lengthChecked = true;
  // Refused, with the window said to reset within this very second: resets are rounded down.
  if (report?.resetMs === 0) next.resetsEarly = true;
  if (report?.limit !== undefined && report.limit > 0) next.limit = report.limit;
  const reportEnd =
    report?.resetMs !== undefined ? reportedEndInterval(report.resetMs, sentAt, receivedAt) : undefined;
  // We believed there was budget left: the refusal is not this window running out. A bucket free
  // only because no answer ever spoke of budgets (a gateway that reports on its 429s) believed
  // nothing: this 429 is the first word on its window.
  const unexpected =
    state.budget === null
      ? state.mode === "free" && state.remaining !== undefined
      : state.budget > 0 && !probe;
  const agrees = unexpected ? undefined : state.end ? intersect(state.end, reportEnd) : reportEnd;
  if (agrees) {
    // `remaining` stays the last answer's: a probe's answer then tells a turned window (more) from
    // an injected refusal in the same one (less), and neither is mistaken for the other.
    // The window was still open when the call arrived, at or after it was sent.
    next.end = intersect(agrees, { lo: sentAt, hi: Number.POSITIVE_INFINITY }) ?? agrees;
    if (probe && state.start) {
      next.windowMs = relearn(next, { lo: sentAt - state.start.hi, hi: Number.POSITIVE_INFINITY });
    }
    learnWindow(next);
    next.refillAt = planRefill(next, receivedAt);
  } else if (positive(report?.retryAfterMs) !== undefined) {
    // Retry-After is the server's explicit word: no probe before it.
    next.refillAt = receivedAt + waitMs;
  } else {
    // A probe sent when the window we learnt was surely over, refused: what we learnt of its
    // length is wrong (windows on a grid), or the 429 is not this window's (injected, another
    // client's). Either way the length is learnt again, reading starts as a grid's.
    if (probe && state.start && state.end && sentAt >= state.end.hi)
      next.windowMs = relearn(next, { lo: sentAt - state.start.hi, hi: Number.POSITIVE_INFINITY });
    // Nothing we know says the window is spent: probe again soon (the 429's reset is only a cap),
    // waiting twice as long after each refused probe.
    next.refillAt = Math.min(
      planRefill(next, receivedAt),
      receivedAt + probeStep(next) * 2 ** Math.min(next.refusedProbes, 6),
    );
  }
  return next;
}

const positive = (ms: number | undefined) => (ms !== undefined && ms > 0 ? ms : undefined);

/** The smallest gap between two probes, and the interval width below which bisecting stops. */
function probeStep(state: BucketState): number {
  const length = state.windowMs?.lo ?? state.windowMs?.hi;
  return Math.min(1000, Math.max(10, (length ?? 1000) / 100));
}

/** When a spent bucket should release its next probe (never before `now`). */
export function planRefill(state: BucketState, now: number): number {
  // A reset the server reported before a probe that was then refused has proven early.
  const proven = state.refusedProbeAt ?? Number.NEGATIVE_INFINITY;
  const late = state.resetsEarly ? SECOND_MS : 0;
  const caps = [state.reportedEnd, state.refusedUntil]
    .filter((t): t is number => t !== undefined && t > proven)
    .map((t) => t + late);
  const end = state.end;
  // With no reset heard this window (a gateway that reports only on its 429s), the edge learnt
  // from the window's start and length is the cap.
  const latest = caps.length > 0 ? Math.min(...caps) : (end?.hi ?? now + UNKNOWN_RESET_MS);
  let at = latest;
  if (end) {
    const hi = Math.min(end.hi, latest);
    const lo = Math.min(end.lo, hi);
    // Bisect while the edge is uncertain, once a window; again after a refused probe only while
    // the edge is wide against the window (the 429 of a probe refused buys a quarter of it).
    const wide =
      state.refusedProbes === 0 ? probeStep(state) : REBISECT_SHARE * (state.windowMs?.lo ?? Infinity);
    at = hi - lo > wide && state.refusedProbes < MAX_BISECTS ? (lo + hi) / 2 : hi;
    // Refills are whole milliseconds: one at a whole-second edge goes no earlier than it.
    const edge = wholeSecondEdge(state, lo, hi);
    if (edge !== undefined) at = Math.ceil(edge);
    at = plannedCheck(state) ?? at;
  }
  // After refused probes, wait longer each time: the edge is later than we thought.
  // …but never past the latest reset the server reported (rule 4).
  const earliest = state.refusedProbes > 0 ? now + probeStep(state) * 2 ** (state.refusedProbes - 1) : now;
  return Math.max(now, Math.min(Math.round(latest), Math.max(earliest, Math.round(at))));
}

/**
 * While the length is not pinned to a whole number of seconds, a window that opened with one of
 * our calls ends a whole number of seconds after it (see wholeSeconds): the first such edge in
 * [lo, hi], after the last refused probe and within the length learnt, at its latest (the start's
 * top, k seconds on), finds the window turned without bisecting a wide interval. A refused probe
 * there rules that second out; the next one is a second later.
 */
function wholeSecondEdge(state: BucketState, lo: number, hi: number): number | undefined {
  const { start, windowMs: length } = state;
  if (!start || state.grid || state.fractional || takenWhole(length)) return undefined;
  const seconds = Math.max(
    1,
    Math.ceil((lo - start.hi) / SECOND_MS),
    Math.ceil((length?.lo ?? 0) / SECOND_MS),
    state.refusedProbeAt === undefined ? 1 : Math.floor((state.refusedProbeAt - start.hi) / SECOND_MS) + 1,
  );
  const edge = start.hi + seconds * SECOND_MS;
  return edge <= hi && seconds * SECOND_MS <= (length?.hi ?? Number.POSITIVE_INFINITY) ? edge : undefined;
}

/**
 * Where to probe to check a length taken as a whole number of seconds, while unchecked: a little
 * before the edge it gives (5% of the window, at least two probe steps).
 */
function lengthCheck(state: BucketState): number | undefined {
  const length = state.windowMs;
  if (!state.end || !length || !takenWhole(length) || state.fractional || state.lengthChecked)
    return undefined;
  return state.end.lo - Math.max(2 * probeStep(state), 0.05 * length.lo);
}

/** When the next refill checks a whole-second length (before the window's edge), if it does. */
export function plannedCheck(state: BucketState): number | undefined {
  return state.refusedProbes === 0 ? lengthCheck(state) : undefined;
}

/** The refill time has come: release one probe; its answer tells whether the window turned. */
export function onRefill(state: BucketState, now: number): BucketState {
  return { ...state, budget: 1, refillAt: undefined, refilledAt: now, probing: true };
}

/** A released call was refused before the server counted it (a concurrency 429): its unit comes back. */
export function onReturned(state: BucketState): BucketState {
  return state.budget === null ? state : { ...state, budget: state.budget + 1 };
}

/** A call was released: it spends one unit of budget. */
export function onRelease(state: BucketState): BucketState {
  return state.budget === null ? state : { ...state, budget: Math.max(0, state.budget - 1) };
}

/**
 * A spent bucket with nothing in flight must have a refill coming, whatever the last answer
 * said (or failed to say), or its queue would wait forever.
 */
export function ensureRefill(state: BucketState, now: number, inFlight: number): BucketState {
  if (state.budget !== 0 || state.refillAt !== undefined || inFlight > 0) return state;
  return { ...state, refillAt: planRefill(state, now) };
}

/**
 * Two buckets turned out to be one budget (see shared-buckets.ts): the one that carries on keeps
 * its own counts and takes what the other had learnt of the window's length and edges.
 */
export function absorb(into: BucketState, from: BucketState): BucketState {
  const next = { ...into };
  if (from.windowMs)
    next.windowMs = intersect(into.windowMs, from.windowMs) ?? into.windowMs ?? from.windowMs;
  if (from.start && !into.start && from.end && into.end && intersect(from.end, into.end))
    next.start = from.start;
  if (from.end && into.end) next.end = intersect(into.end, from.end) ?? into.end;
  learnWindow(next);
  return next;
}

/**
 * The budget of two buckets found to be one. Each side's budget was what it saw remaining less
 * its own calls in flight; one budget now has both sides' calls in flight, so each side's figure
 * loses the other's, and the least of the two holds (null: neither was paced).
 */
export function mergedBudget(
  into: { budget: number | null; inFlight: number },
  from: { budget: number | null; inFlight: number },
): number | null {
  const sides = [
    into.budget === null ? undefined : into.budget - from.inFlight,
    from.budget === null ? undefined : from.budget - into.inFlight,
  ].filter((b): b is number => b !== undefined);
  return sides.length === 0 ? null : Math.max(0, Math.min(...sides));
}
