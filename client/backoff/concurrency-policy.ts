/**
 * How many calls may be in flight. A concurrency 429 (Okta: limit and remaining both 0,
 * okta-api.md §3) means the org has more requests in flight than it allows, ours and others'.
 * The cap falls by a quarter, once per round of calls (refusals of calls sent before the last cut
 * are the same news). It climbs back by one after each full cap of calls that succeed, and up to
 * the cap that met the last refusal only after eight, so probing the limit again costs a refusal
 * every few rounds, not every other; never above the configured maximum. (Our calls in flight when
 * a refused one was sent do not bound the limit: with jittered latency a call sent early can
 * arrive last.) It never touches a bucket's budget.
 */
export interface ConcurrencyState {
  cap: number;
  max: number;
  /** Successes since the cap last moved. */
  successes: number;
  /** Calls sent before this moment were sent under the old cap. */
  cutAt: number;
  /** The cap that met the last refusal: growing back to it is slower. */
  ceiling?: number;
}

export function initialConcurrency(max: number): ConcurrencyState {
  return { cap: max, max, successes: 0, cutAt: Number.NEGATIVE_INFINITY };
}

export function isConcurrencyRefusal(report: { limit?: number; remaining?: number } | undefined): boolean {
  return report?.limit === 0 && report.remaining === 0;
}

export function onConcurrencyRefused(state: ConcurrencyState, sentAt: number, now: number): ConcurrencyState {
  if (sentAt < state.cutAt) return state;
  const cap = Math.max(1, Math.floor(state.cap * 0.75));
  return { ...state, cap, ceiling: state.cap, successes: 0, cutAt: now };
}

export function onCallSucceeded(state: ConcurrencyState): ConcurrencyState {
  if (state.cap >= state.max) return state;
  const successes = state.successes + 1;
  const needed = state.ceiling !== undefined && state.cap + 1 >= state.ceiling ? 8 * state.cap : state.cap;
  return successes >= needed ? { ...state, cap: state.cap + 1, successes: 0 } : { ...state, successes };
}
