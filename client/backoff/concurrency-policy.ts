/**
 * How many calls may be in flight. A concurrency 429 (Okta: limit and remaining both 0,
 * okta-api.md §3) means the org has more requests in flight than it allows, ours and others'; Okta
 * documents 75 per org, 35 on the Integrator Free plan, and says nothing that would let a client
 * read it. So the cap is learnt, as TCP learns a window, without a burst of refusals to learn it:
 *
 * - **Start** at `START` (or the configured maximum, if lower): below both documented limits.
 * - **Slow start**, until the first refusal: ×1.5 per round of successes up to `STEP_FROM`, then +4
 *   per round, so from there the round that crosses the org's limit overshoots it by at most four
 *   calls (below it, a burst at a window's start may overshoot by up to half the cap). A
 *   cap grows only once our calls in flight have reached it: a cap never used is no evidence, and
 *   a paced bucket's burst at the next window would spend it all at once.
 * - **Each refusal takes one slot off**: a burst that met the limit lowers the cap by what it
 *   overshot, which is where the limit is (a fixed share per round trip would overshoot the cut,
 *   or need several round trips, each with its refusals). Refusals of calls sent before the
 *   previous round's cut are old news. The cap one above where the cuts end is the ceiling.
 * - **Regrowth** is +1 per round of successes, and back to the ceiling only after `patience`
 *   rounds, a patience that doubles with every refusal (up to 64): probing a limit that has not
 *   moved costs one refusal every few dozen rounds, not every other.
 *
 * Never above the configured maximum. It never touches a bucket's budget. (Our calls in flight
 * when a refused one was sent do not bound the limit: with jittered latency a call sent early can
 * arrive last.)
 */
export interface ConcurrencyState {
  cap: number;
  max: number;
  /** Successes since the cap last moved. */
  successes: number;
  /** Our calls in flight reached the cap since it last moved: only a cap in use grows. */
  used: boolean;
  /** Calls sent before this moment were sent under the old cap. */
  cutAt: number;
  /** The cut before `cutAt`: calls sent between the two belong to the last cut's round. */
  roundFrom: number;
  /** True until the first refusal. */
  slowStart: boolean;
  /** The cap that met the last refusal: growing back to it takes `patience` rounds. */
  ceiling?: number;
  patience: number;
}

/** Calls in flight before anything is known: below Okta's documented org limits (75, and 35). */
export const START = 16;
/** Slow start grows ×1.5 a round below this cap, and by STEP a round from it. */
const STEP_FROM = 32;
const STEP = 4;
const FIRST_PATIENCE = 16;
const MAX_PATIENCE = 64;

export function initialConcurrency(max: number): ConcurrencyState {
  return {
    cap: Math.min(max, START),
    max,
    successes: 0,
    used: false,
    cutAt: Number.NEGATIVE_INFINITY,
    roundFrom: Number.NEGATIVE_INFINITY,
    slowStart: true,
    patience: FIRST_PATIENCE,
  };
}

export function isConcurrencyRefusal(report: { limit?: number; remaining?: number } | undefined): boolean {
  return report?.limit === 0 && report.remaining === 0;
}

export function onConcurrencyRefused(state: ConcurrencyState, sentAt: number, now: number): ConcurrencyState {
  if (sentAt < state.roundFrom) return state;
  const cap = Math.max(1, state.cap - 1);
  // A refusal from the last cut's round: one more slot off, the same round.
  if (sentAt < state.cutAt) return { ...state, cap, ceiling: cap + 1, successes: 0 };
  const patience = state.slowStart ? state.patience : Math.min(MAX_PATIENCE, 2 * state.patience);
  return {
    ...state,
    cap,
    ceiling: cap + 1,
    successes: 0,
    cutAt: now,
    roundFrom: state.cutAt,
    slowStart: false,
    patience,
  };
}

/** Successes it takes to raise the cap by `step`. */
function nextStep(state: ConcurrencyState): { needed: number; step: number } {
  if (state.slowStart)
    return state.cap < STEP_FROM
      ? { needed: 2, step: 1 } // +1 per two successes: ×1.5 a round
      : { needed: state.cap, step: STEP };
  const nearCeiling = state.ceiling !== undefined && state.cap + 1 >= state.ceiling;
  return { needed: nearCeiling ? state.patience * state.cap : state.cap, step: 1 };
}

/** A call was sent, leaving `inFlight` of ours in flight. */
export function onCallSent(state: ConcurrencyState, inFlight: number): ConcurrencyState {
  return state.used || inFlight < state.cap ? state : { ...state, used: true };
}

export function onCallSucceeded(state: ConcurrencyState): ConcurrencyState {
  if (state.cap >= state.max) return state;
  const successes = state.successes + 1;
  const { needed, step } = nextStep(state);
  // Calls that never filled the cap say nothing of whether the org allows more.
  return successes >= needed && state.used
    ? { ...state, cap: Math.min(state.max, state.cap + step), successes: 0, used: false }
    : { ...state, successes };
}
