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
}

/** The scenarios bundled with the package. */
export const BUNDLED_SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scenarios");

/** `paceline run`: every scenario through the agent; a table, JUnit and JSON; exit 1 on any failure. */
export async function runCommand(paths: string[], options: RunCommandOptions): Promise<number> {
  const files = discoverScenarios(paths.length > 0 ? paths : [BUNDLED_SCENARIOS]);
  if (files.length === 0)
    throw new Error(`no scenario files found in ${paths.join(", ") || BUNDLED_SCENARIOS}`);
  // Validate every file first: a bad file stops the run before anything starts.
  const scenarios: Scenario[] = [];
  for (const file of files) scenarios.push(await loadScenario(file));
  const trials = options.mode === "live" || options.mode === "record" ? options.trials : 1;
  const results: ScenarioResult[] = [];
  const passAll = new Map<string, boolean>();
  for (const [index, scenario] of scenarios.entries()) {
    for (let trial = 1; trial <= trials; trial++) {
      const result = await runScenario(scenario, {
        mode: options.mode,
        model: options.model,
        api: options.api,
        scriptedStandIn: options.scripted,
      });
      results.push(trials > 1 ? { ...result, name: `${result.name} #${trial}` } : result);
      passAll.set(scenario.name, (passAll.get(scenario.name) ?? true) && result.passed);
      const verdict = result.error ? "ERROR" : result.passed ? "pass" : "FAIL";
      process.stderr.write(
        `[${index + 1}/${scenarios.length}${trials > 1 ? ` trial ${trial}/${trials}` : ""}] ${scenario.name}: ${verdict} (${result.toolCalls} tool calls, ${(result.durationMs / 1000).toFixed(1)}s)\n`,
      );
    }
  }
  process.stdout.write(`${resultTable(results)}\n`);
  if (trials > 1) {
    const passed = [...passAll.values()].filter(Boolean).length;
    process.stdout.write(
      `pass^${trials}: ${passed}/${passAll.size} scenarios passed every trial (${((100 * passed) / passAll.size).toFixed(0)}%)\n`,
    );
  }
  if (options.junit) await writeOut(options.junit, junitXml(results));
  if (options.json)
    await writeOut(options.json, `${JSON.stringify({ mode: options.mode, trials, results }, null, 2)}\n`);
  return results.every((r) => r.passed) ? 0 : 1;
}

async function writeOut(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}
