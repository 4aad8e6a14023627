import { connect } from "../../client/index.js";
import { startHarness } from "../start.js";
import { runScenario } from "./run-scenario.js";
import type { Scenario, ScriptTurn } from "./scenario.js";

/**
 * Mutation testing for scenarios: how many wrong versions of its own script does a scenario
 * catch? Each mutant changes one step the way an agent goes wrong: skips a call, repeats one,
 * drops a filter, stops paging, or answers vaguely. A mutant is killed when the scenario fails.
 * A reference to a result a mutant dropped resolves to null, so the mutant runs on as an agent that
 * skipped a read would; one whose script still cannot run is invalid and not counted.
 */
export interface Mutant {
  /** What was changed, e.g. `repeat okta_users_suspend (turn 2)`. */
  name: string;
  script: ScriptTurn[];
}

type Step = NonNullable<ScriptTurn["tools"]>[number];

/** Every turn's address in the script tree: indices through `repeat` bodies. */
function addresses(turns: readonly ScriptTurn[], prefix: number[] = []): number[][] {
  return turns.flatMap((turn, i) => [
    [...prefix, i],
    ...(turn.repeat ? addresses(turn.repeat, [...prefix, i]) : []),
  ]);
}

/** A copy of the script with the turn at an address replaced by zero or more turns. */
function replaceAt(turns: readonly ScriptTurn[], address: number[], by: ScriptTurn[]): ScriptTurn[] {
  const [head, ...rest] = address;
  return turns.flatMap((turn, i) => {
    if (i !== head) return [turn];
    if (rest.length === 0) return by;
    const body = replaceAt(turn.repeat ?? [], rest, by);
    return body.length > 0 ? [{ ...turn, repeat: body }] : [];
  });
}

function turnAt(turns: readonly ScriptTurn[], address: number[]): ScriptTurn | undefined {
  const [head = -1, ...rest] = address;
  const turn = turns[head];
  return rest.length === 0 ? turn : turnAt(turn?.repeat ?? [], rest);
}

/**
 * The mutants of a script. `isRead` tells read tools (MCP `readOnlyHint`) from writes: repeating
 * a read is no mistake, so only writes get a `repeat` mutant.
 */
export function mutants(
  script: readonly ScriptTurn[],
  isRead: (tool: string) => boolean = () => false,
): Mutant[] {
  const out: Mutant[] = [];
  for (const address of addresses(script)) {
    const turn = turnAt(script, address);
    if (!turn) continue;
    const where = `turn ${address.map((i) => i + 1).join(".")}`;
    if (turn.repeat) {
      out.push({ name: `stop paging: drop the loop (${where})`, script: replaceAt(script, address, []) });
      continue;
    }
    if (turn.say !== undefined) {
      out.push({ name: `vague answer (${where})`, script: replaceAt(script, address, [{ say: "Done." }]) });
      continue;
    }
    const steps = turn.tools ?? [];
    steps.forEach((step, i) => {
      const withSteps = (next: Step[]) =>
        replaceAt(script, address, next.length > 0 ? [{ ...turn, tools: next }] : []);
      out.push({ name: `skip ${step.call} (${where})`, script: withSteps(steps.filter((_, j) => j !== i)) });
      if (!isRead(step.call))
        out.push({
          name: `repeat ${step.call} (${where})`,
          script: withSteps([...steps.slice(0, i + 1), step, ...steps.slice(i + 1)]),
        });
      if (step.where) {
        const { where: _, ...unfiltered } = step;
        out.push({
          name: `drop the filter of ${step.call} (${where})`,
          script: withSteps(steps.map((s, j) => (j === i ? unfiltered : s))),
        });
      }
    });
  }
  return out;
}

export interface MutantResult {
  name: string;
  outcome: "killed" | "survived" | "invalid";
  /** The first failure that killed it, or the script error that made it invalid. */
  detail?: string;
}

export interface MutationReport {
  scenario: string;
  killed: number;
  survived: number;
  invalid: number;
  /** killed / (killed + survived). */
  score: number;
  mutants: MutantResult[];
}

/**
 * Runs every mutant of a scenario's script (scripted mode). Limits and faults are turned off:
 * a mutant tests what the expectations catch, not the pacing.
 */
export async function mutationReport(scenario: Scenario): Promise<MutationReport> {
  const reads = await readTools(scenario);
  const results: MutantResult[] = [];
  for (const mutant of mutants(scenario.script, (tool) => reads.has(tool))) {
    // A mutant that skipped a read goes on without its result (references to it are null), as an
    // agent that never checked would: what the expectations catch is then measured, not lost.
    const run = await runScenario(
      { ...scenario, limits: "none", faults: undefined, script: mutant.script },
      { lenientScript: true },
    );
    const outcome = run.error ? "invalid" : run.passed ? "survived" : "killed";
    results.push({ name: mutant.name, outcome, detail: run.error ?? run.failures[0] });
  }
  const count = (outcome: MutantResult["outcome"]) => results.filter((r) => r.outcome === outcome).length;
  const killed = count("killed");
  const survived = count("survived");
  return {
    scenario: scenario.name,
    killed,
    survived,
    invalid: count("invalid"),
    score: killed + survived === 0 ? 0 : killed / (killed + survived),
    mutants: results,
  };
}

/** The read-only tools of the scenario's gateway, from their annotations. */
async function readTools(scenario: Scenario): Promise<Set<string>> {
  const harness = await startHarness({
    fixture: { seed: 1 },
    mcpServer: { name: scenario.name, config: scenario.gateway },
  });
  try {
    const client = await connect(harness.gateway.mcpUrl);
    const reads = client.listTools().filter((tool) => tool.annotations?.readOnlyHint === true);
    await client.close();
    return new Set(reads.map((tool) => tool.name));
  } finally {
    await harness.close();
  }
}
