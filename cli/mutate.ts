import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { discoverScenarios, loadScenario, type MutationReport, mutationReport } from "../harness/index.js";
import { BUNDLED_SCENARIOS } from "./run.js";

/**
 * `paceline mutate`: how many one-step-wrong versions of each scenario's script the scenario
 * catches. Prints a score per scenario and every surviving mutant; exit 1 when a scenario kills none.
 */
export async function mutateCommand(paths: string[], options: { json?: string }): Promise<number> {
  const files = discoverScenarios(paths.length > 0 ? paths : [BUNDLED_SCENARIOS]);
  if (files.length === 0)
    throw new Error(`no scenario files found in ${paths.join(", ") || BUNDLED_SCENARIOS}`);
  const scenarios = [];
  for (const file of files) scenarios.push(await loadScenario(file));
  const reports: MutationReport[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    const report = await mutationReport(scenario);
    reports.push(report);
    process.stderr.write(
      `[${index + 1}/${scenarios.length}] ${scenario.name}: killed ${report.killed} of ${report.killed + report.survived}` +
        `${report.invalid ? ` (${report.invalid} invalid)` : ""}\n`,
    );
  }
  process.stdout.write(`${mutationTable(reports)}\n`);
  if (options.json) {
    await mkdir(dirname(options.json), { recursive: true });
    await writeFile(options.json, `${JSON.stringify({ reports }, null, 2)}\n`);
  }
  return reports.every((r) => r.killed > 0) ? 0 : 1;
}

export function mutationTable(reports: MutationReport[]): string {
  const killed = reports.reduce((n, r) => n + r.killed, 0);
  const counted = reports.reduce((n, r) => n + r.killed + r.survived, 0);
  const lines = reports.map(
    (r) =>
      `${r.scenario.padEnd(36)} ${String(r.killed).padStart(6)} ${String(r.survived).padStart(8)} ${String(r.invalid).padStart(7)}  ${(100 * r.score).toFixed(0).padStart(4)}%`,
  );
  const survivors = reports.flatMap((r) =>
    r.mutants.filter((m) => m.outcome === "survived").map((m) => `  ${r.scenario}: ${m.name}`),
  );
  return [
    `${"scenario".padEnd(36)} ${"killed".padStart(6)} ${"survived".padStart(8)} ${"invalid".padStart(7)}  score`,
    ...lines,
    "",
    `mutation score: ${killed}/${counted} (${counted ? ((100 * killed) / counted).toFixed(0) : 0}%)`,
    ...(survivors.length > 0 ? ["surviving mutants:", ...survivors] : []),
  ].join("\n");
}
