import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, runScenario } from "../harness/runner/index.js";

const ROOT = join(import.meta.dirname, "..");
const SOCKETS = /TCP|TLS|Pipe/;
const sockets = () => process.getActiveResourcesInfo().filter((r) => SOCKETS.test(r)).length;

describe("the runner releases what each run used", () => {
  it("a scripted run leaves no socket open: each model turn used to leave one, holding its request", {
    timeout: 60_000,
  }, async () => {
    const scenario = await loadScenario(join(ROOT, "scenarios/security-audit.yaml"));
    const before = sockets();
    const result = await runScenario(scenario);
    expect(result.passed).toBe(true);
    expect(result.turns).toBeGreaterThan(1);
    // Closed sockets leave the list once their close callbacks have run.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sockets()).toBe(before);
  });

  it("three runs of a 300-user storm audit in one process end within 10% of the first run's memory", {
    timeout: 240_000,
  }, () => {
    // The bundled 1,200-user storm audit, at a quarter of the org: its conversations are large
    // enough that holding them (5 MB a model turn at 1,200 users) shows, and it fits CI time.
    const dir = mkdtempSync(join(tmpdir(), "paceline-memory-"));
    const file = join(dir, "storm-300.yaml");
    const yaml = readFileSync(join(ROOT, "scenarios/rate-limit-storm.yaml"), "utf8");
    writeFileSync(file, yaml.replace("generate: { users: 1200", "generate: { users: 300"));
    const child = spawnSync(
      process.execPath,
      ["--expose-gc", join(ROOT, "test/support/repeat-scenario.mjs"), file, "3"],
      { cwd: ROOT, encoding: "utf8", timeout: 230_000 },
    );
    expect(child.stderr).toBe("");
    const runs = child.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { passed: boolean; error?: string; held: number });
    expect(runs.map((r) => r.error ?? r.passed)).toEqual([true, true, true]);
    const [first, , third] = runs.map((r) => r.held);
    expect(third).toBeLessThanOrEqual(1.1 * (first ?? 0));
  });
});
