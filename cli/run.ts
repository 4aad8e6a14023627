import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  discoverScenarios,
  junitXml,
  loadScenario,
  type RunMode,
  resultTable,
  runScenario,
  type Scenario,
  type ScenarioResult,
} from "../harness/index.js";

export interface RunCommandOptions {
  mode: RunMode;
  model?: string;
  api: "chat" | "responses";
  trials: number;
  junit?: string;
  json?: string;
  scripted?: boolean;
  /** Print each scenario's tool calls: turn, tool, arguments, outcome. */
  verbose?: boolean;
  /** Only scenarios whose name matches (a regular expression, case-insensitive). */
  grep?: string;
  /** Only scenarios with one of these tags. */
  tag?: string[];
}

/** The scenarios `--grep` and `--tag` keep; none kept is an error naming what was asked. */
export function selectScenarios(scenarios: Scenario[], options: Pick<RunCommandOptions, "grep" | "tag">) {
  let pattern: RegExp | undefined;
  try {
    pattern = options.grep === undefined ? undefined : new RegExp(options.grep, "i");
  } catch (error) {
    throw new Error(`--grep ${options.grep}: not a regular expression (${(error as Error).message})`);
  }
  const tags = options.tag ?? [];
  const kept = scenarios.filter(
    (s) => (!pattern || pattern.test(s.name)) && (tags.length === 0 || s.tags.some((t) => tags.includes(t))),
  );
  if (kept.length === 0) {
    const known = [...new Set(scenarios.flatMap((s) => s.tags))].sort().join(", ");
    throw new Error(
      `no scenario matches${options.grep !== undefined ? ` --grep ${options.grep}` : ""}${tags.length ? ` --tag ${tags.join(",")}` : ""} (of ${scenarios.length}; tags: ${known || "none"})`,
    );
  }
  return kept;
}

/** A run's tool calls, one line each: `turn 2  okta_users_suspend {"userId":"…"} → ok (120 ms turn)`. */
export function trajectoryLines(result: ScenarioResult): string[] {
  return result.trajectory.map((step) => {
    const args = step.args.length > 120 ? `${step.args.slice(0, 117)}...` : step.args;
    const detail = step.outcome === "ok" ? "" : `: ${step.output.replace(/\s+/g, " ").slice(0, 100)}`;
    return `    turn ${step.turn}  ${step.tool} ${args} → ${step.outcome}${detail} (${step.turnMs} ms turn)`;
  });
}

/** The scenarios bundled with the package. */
export const BUNDLED_SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scenarios");

/**
 * What a run against a real model needs, checked before anything starts (otherwise every scenario
 * errors with the SDK's message): a key, a valid base URL, and a model named for any endpoint other
 * than OpenAI's. Returns the problem, or undefined.
 */
export function liveSetupProblem(
  options: Pick<RunCommandOptions, "mode" | "model" | "scripted">,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (options.mode === "scripted" || options.mode === "replay" || options.scripted) return undefined;
  const what = options.mode === "record" ? "recording" : "a live run";
  if (!env.OPENAI_API_KEY)
    return `${what} needs OPENAI_API_KEY (an OpenAI-compatible server that ignores keys still needs one: set it to any value)`;
  if (env.OPENAI_BASE_URL) {
    if (!URL.canParse(env.OPENAI_BASE_URL) || !/^https?:$/.test(new URL(env.OPENAI_BASE_URL).protocol))
      return `OPENAI_BASE_URL is not an http(s) URL: '${env.OPENAI_BASE_URL}' (e.g. http://127.0.0.1:11434/v1)`;
    if (!options.model && !env.PACELINE_MODEL)
      return `OPENAI_BASE_URL is ${new URL(env.OPENAI_BASE_URL).origin}: name its model with --model or PACELINE_MODEL (the default gpt-4.1-mini is OpenAI's)`;
  }
  return undefined;
}

/**
 * Over k trials: per scenario, how often it passed, and how often each expectation failed (failures
 * of one kind grouped with their numbers and names taken out).
 */
export function trialSummary(results: ScenarioResult[], trials: number): string {
  const byScenario = new Map<string, ScenarioResult[]>();
  for (const result of results) {
    const name = result.name.replace(/ #\d+$/, "");
    byScenario.set(name, [...(byScenario.get(name) ?? []), result]);
  }
  const lines: string[] = [];
  let passedAll = 0;
  for (const [name, runs] of byScenario) {
    const passed = runs.filter((r) => r.passed).length;
    if (passed === runs.length) passedAll++;
    lines.push(`${name}: passed ${passed}/${runs.length}`);
    const tally = new Map<string, number>();
    for (const run of runs) {
      const kinds = new Set((run.error ? [`error: ${run.error}`] : run.failures).map(failureKind));
      for (const kind of kinds) tally.set(kind, (tally.get(kind) ?? 0) + 1);
    }
    for (const [kind, n] of [...tally].sort((a, b) => b[1] - a[1]))
      lines.push(`  ${n}/${runs.length}  ${kind}`);
  }
  const share = byScenario.size ? ((100 * passedAll) / byScenario.size).toFixed(0) : "0";
  return [
    `pass^${trials}: ${passedAll}/${byScenario.size} scenarios passed every trial (${share}%)`,
    ...lines,
  ].join("\n");
}

/** A failure with its particulars (numbers, quoted names, lists after a colon) taken out. */
function failureKind(failure: string): string {
  return failure
    .replace(/[:;]\s.*$/, "")
    .replace(/\d[\d,.]*/g, "N")
    .replace(/"[^"]*"/g, '"…"')
    .slice(0, 160);
}

/** `paceline run`: every scenario through the agent; a table, JUnit and JSON; exit 1 on any failure. */
export async function runCommand(paths: string[], options: RunCommandOptions): Promise<number> {
  const problem = liveSetupProblem(options);
  if (problem) throw new Error(problem);
  const files = discoverScenarios(paths.length > 0 ? paths : [BUNDLED_SCENARIOS]);
  if (files.length === 0)
    throw new Error(`no scenario files found in ${paths.join(", ") || BUNDLED_SCENARIOS}`);
  // Validate every file first: a bad file stops the run before anything starts.
  const loaded: Scenario[] = [];
  for (const file of files) loaded.push(await loadScenario(file));
  const scenarios = selectScenarios(loaded, options);
  // A scripted or replayed run is the same every time: repeating it would only look like evidence.
  if (options.trials > 1 && options.mode !== "live")
    throw new Error(
      `--trials ${options.trials} repeats live runs (a ${options.mode} run is the same every time); add --mode live`,
    );
  const trials = options.mode === "live" || options.mode === "record" ? options.trials : 1;
  const results: ScenarioResult[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    for (let trial = 1; trial <= trials; trial++) {
      const result = await runScenario(scenario, {
        mode: options.mode,
        model: options.model,
        api: options.api,
        scriptedStandIn: options.scripted,
      });
      results.push(trials > 1 ? { ...result, name: `${result.name} #${trial}` } : result);
      const verdict = result.error ? "ERROR" : result.passed ? "pass" : "FAIL";
      process.stderr.write(
        `[${index + 1}/${scenarios.length}${trials > 1 ? ` trial ${trial}/${trials}` : ""}] ${scenario.name}: ${verdict} (${result.toolCalls} tool calls, ${(result.durationMs / 1000).toFixed(1)}s)\n`,
      );
      if (options.verbose) {
        const lines = trajectoryLines(result);
        for (const line of lines.length > 0 ? lines : ["    (no tool calls)"])
          process.stderr.write(`${line}\n`);
        for (const failure of result.failures) process.stderr.write(`    ✗ ${failure}\n`);
      }
    }
  }
  process.stdout.write(`${resultTable(results)}\n`);
  if (trials > 1) process.stdout.write(`\n${trialSummary(results, trials)}\n`);
  if (options.junit) await writeOut(options.junit, junitXml(results));
  if (options.json)
    await writeOut(options.json, `${JSON.stringify({ mode: options.mode, trials, results }, null, 2)}\n`);
  return results.every((r) => r.passed) ? 0 : 1;
}

async function writeOut(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}
