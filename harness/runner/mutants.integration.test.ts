import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mutationTable } from "../../cli/mutate.js";
import { discoverScenarios } from "./discover.js";
import { type MutationReport, mutants, mutationReport } from "./mutants.js";
import { loadScenario, ScenarioSchema } from "./scenario.js";

const SCENARIOS = join(import.meta.dirname, "..", "..", "scenarios");

describe("mutants of a script", () => {
  const script = ScenarioSchema.shape.script.parse([
    {
      tools: [
        { call: "read", args: {}, as: "r" },
        { call: "write", args: {} },
      ],
    },
    {
      repeat: [{ tools: [{ call: "page", args: {}, as: "r" }] }],
      while: "{{ r.next }}",
    },
    { tools: [{ call: "remove", forEach: "{{ all.r.result }}", where: { status: "SUSPENDED" }, args: {} }] },
    { say: "The answer." },
  ]);

  it("skips each step, repeats each write (not reads), drops each filter and loop, blurs the answer", () => {
    const names = mutants(script, (tool) => tool === "read" || tool === "page").map((m) => m.name);
    expect(names).toEqual([
      "skip read (turn 1)",
      "skip write (turn 1)",
      "repeat write (turn 1)",
      "stop paging: drop the loop (turn 2)",
      "skip page (turn 2.1)",
      "skip remove (turn 3)",
      "repeat remove (turn 3)",
      "drop the filter of remove (turn 3)",
      "vague answer (turn 4)",
    ]);
  });

  it("each mutant changes exactly its own step", () => {
    const all = mutants(script);
    const skipInLoop = all.find((m) => m.name === "skip page (turn 2.1)");
    // The loop's only step gone, the loop goes with it; nothing else moves.
    expect(skipInLoop?.script).toEqual([script[0], script[2], script[3]]);
    const unfiltered = all.find((m) => m.name.startsWith("drop the filter"));
    expect(unfiltered?.script[2]?.tools?.[0]).not.toHaveProperty("where");
    expect(unfiltered?.script[0]).toBe(script[0]);
  });
});

describe("the bundled scenarios catch the wrong versions of their own scripts", () => {
  it("every scenario kills at least one mutant, and the library as a whole nine in ten", async () => {
    const reports: MutationReport[] = [];
    for (const file of discoverScenarios([SCENARIOS]))
      reports.push(await mutationReport(await loadScenario(file)));
    console.log(mutationTable(reports));
    for (const report of reports) expect(report.killed, report.scenario).toBeGreaterThan(0);
    const killed = reports.reduce((n, r) => n + r.killed, 0);
    const counted = reports.reduce((n, r) => n + r.killed + r.survived, 0);
    expect(killed / counted).toBeGreaterThanOrEqual(0.9);
  }, 300_000);
});
