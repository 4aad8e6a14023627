import { describe, expect, it } from "vitest";
import { discoverScenarios } from "./discover.js";
import { type RunOptions, runScenario } from "./run-scenario.js";
import { loadScenario } from "./scenario.js";

/**
 * Runs scenario files inside your own Vitest suite, one test per scenario:
 *
 *   import { defineScenarioSuite } from "paceline/vitest";
 *   defineScenarioSuite("scenarios");                 // a folder, files, or a glob
 *
 * A miss fails the test with every unmet expectation listed.
 */
export function defineScenarioSuite(
  paths: string | string[],
  options: RunOptions & { timeoutMs?: number } = {},
): void {
  const files = discoverScenarios(Array.isArray(paths) ? paths : [paths]);
  describe(`paceline scenarios (${options.mode ?? "scripted"})`, () => {
    if (files.length === 0) it("finds scenario files", () => expect(files).not.toEqual([]));
    for (const file of files) {
      it(file, { timeout: options.timeoutMs ?? 120_000 }, async () => {
        const result = await runScenario(await loadScenario(file), options);
        expect(result.error, result.error).toBeUndefined();
        expect(result.failures).toEqual([]);
      });
    }
  });
}
