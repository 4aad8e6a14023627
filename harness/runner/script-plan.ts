import { readToolError } from "../../client/okta-errors.js";
import type { ScriptTurn } from "./scenario.js";
import { fieldMatches, resolveReferences, ScriptReferenceError } from "./script-refs.js";

/**
 * A script as the model turns it produces. A step's calls are expanded from the results the model
 * has seen (`forEach`, `where`), spread over turns of at most `callsPerTurn` calls, and `repeat`
 * loops run while their condition holds, so a script reads its pages as an agent would.
 *
 * The plan is a generator: the caller feeds each turn's tool outputs back before asking for the
 * next turn. Replaying it from the start over a conversation finds the turn to answer, so the
 * scripted model keeps no state between requests.
 */
export interface PlannedCall {
  id: string;
  name: string;
  arguments: string;
  /** The label whose results this call's output joins. */
  label?: string;
  /** The forEach element the call was made for (kept with its result under `all`). */
  item?: unknown;
}

export type PlannedTurn = { calls: PlannedCall[] } | { say: string };

/**
 * Results so far. `{{ label… }}` is the latest output with that label (parsed JSON where it is
 * JSON); `{{ all.label }}` every one, oldest first, each with the forEach element it was made for
 * as `item` (`{{ all.roles[*result.type=SUPER_ADMIN].item.profile.login }}`).
 */
export class ScriptResults {
  private readonly byLabel = new Map<string, { value: unknown; item?: unknown }[]>();

  add(label: string, output: string, item?: unknown): void {
    let value: unknown = output;
    try {
      value = JSON.parse(output);
    } catch {
      // A failed call's text becomes `{ error: { source, code, status, summary } }`; other text stays text.
      const error = readToolError(output);
      if (error) value = { error, text: output };
    }
    const list = this.byLabel.get(label) ?? [];
    list.push({ value, ...(item === undefined ? {} : { item }) });
    this.byLabel.set(label, list);
  }

  scope(extra: [string, unknown][] = []): Map<string, unknown> {
    const scope = new Map<string, unknown>();
    const all: Record<string, unknown[]> = {};
    for (const [label, entries] of this.byLabel) {
      scope.set(label, entries.at(-1)?.value);
      all[label] = entries.map(({ value, item }) => ({
        ...(value !== null && typeof value === "object" && !Array.isArray(value) ? value : { value }),
        ...(item === undefined ? {} : { item }),
      }));
    }
    if (!this.byLabel.has("all")) scope.set("all", all);
    for (const [key, value] of extra) scope.set(key, value);
    return scope;
  }
}

function matchesWhere(item: unknown, where: Record<string, unknown>): boolean {
  return Object.entries(where).every(([path, wanted]) =>
    (Array.isArray(wanted) ? wanted : [wanted]).some((option) => fieldMatches(item, path, option)),
  );
}

function truthy(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false && value !== "" && value !== 0;
}

export function* planTurns(
  script: readonly ScriptTurn[],
  results: ScriptResults,
  callsPerTurn: number,
  /** References to nothing resolve to null and a forEach over nothing to no calls (mutants). */
  lenient = false,
): Generator<PlannedTurn, void, void> {
  let turnNumber = 0;
  const resolve = (value: unknown, scope: Map<string, unknown>) => resolveReferences(value, scope, lenient);
  function* expand(turn: ScriptTurn): Generator<PlannedTurn, void, void> {
    if (turn.say !== undefined) {
      yield { say: String(resolve(turn.say, results.scope())) };
      return;
    }
    if (turn.repeat) {
      // At `max` passes the loop ends, as an agent gives up; `as` tells the script it was capped.
      const max = turn.max ?? 100;
      let passes = 0;
      while (passes < max && truthy(resolveLoose(turn.while ?? "", results))) {
        for (const inner of turn.repeat) yield* expand(inner);
        passes++;
      }
      const capped = passes >= max && truthy(resolveLoose(turn.while ?? "", results));
      if (turn.as) results.add(turn.as, JSON.stringify({ passes, capped }));
      return;
    }
    const scope = results.scope();
    const calls = (turn.tools ?? []).flatMap((step) => {
      if (!step.forEach) return [{ step, args: resolve(step.args, scope), item: undefined as unknown }];
      const resolved = resolve(step.forEach, scope);
      const items = lenient && !Array.isArray(resolved) ? [] : resolved;
      if (!Array.isArray(items)) throw new ScriptReferenceError(`forEach ${step.forEach} is not a list`);
      return items
        .filter((item) => !step.where || matchesWhere(item, step.where))
        .map((item) => ({ step, args: resolve(step.args, results.scope([["item", item]])), item }));
    });
    for (let start = 0; start < calls.length; start += callsPerTurn) {
      const turnIndex = turnNumber++;
      yield {
        calls: calls.slice(start, start + callsPerTurn).map(({ step, args, item }, i) => ({
          id: `call_${turnIndex}_${i}${step.as ? `_${step.as}` : ""}`,
          name: step.call,
          arguments: JSON.stringify(args),
          ...(step.as ? { label: step.as } : {}),
          ...(item === undefined ? {} : { item }),
        })),
      };
    }
  }
  for (const turn of script) yield* expand(turn);
}

/** A loop condition: a reference that does not resolve (no such label yet, or no such field) is false. */
function resolveLoose(expression: string, results: ScriptResults): unknown {
  try {
    return resolveReferences(expression, results.scope());
  } catch (error) {
    if (error instanceof ScriptReferenceError && /nothing at/.test(error.message)) return undefined;
    throw error;
  }
}

/**
 * The turn to answer now, given the outputs of the turns the model already took (each a map of
 * call id → output, oldest first).
 */
export function nextTurn(
  script: readonly ScriptTurn[],
  pastTurns: readonly ReadonlyMap<string, string>[],
  callsPerTurn: number,
  lenient = false,
): PlannedTurn {
  const results = new ScriptResults();
  const plan = planTurns(script, results, callsPerTurn, lenient);
  for (let index = 0; ; index++) {
    const next = plan.next();
    if (next.done)
      throw new ScriptReferenceError(
        `the script has ${index} model turns; the agent asked for turn ${pastTurns.length + 1}`,
      );
    const past = pastTurns[index];
    if (!past) return next.value;
    if ("say" in next.value)
      throw new ScriptReferenceError(`turn ${index + 1} was the final answer, yet the agent went on`);
    for (const call of next.value.calls) {
      const output = past.get(call.id);
      if (call.label && output !== undefined) results.add(call.label, output, call.item);
    }
  }
}
