import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** `paceline simulate` as a user runs it: the prediction as JSON, its bound worked by hand. */
const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "dist", "cli", "main.js");
/** The tight 500-user audit at 10 ms a call: its T* is worked by hand below. */
const TIGHT_500 = ["--users", "500", "--limits", "tight", "--latency-ms", "10"];
const simulate = (args: string[]) =>
  spawnSync(process.execPath, [CLI, "simulate", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });

describe("paceline simulate", () => {
  it("predicts the tight 500-user audit: T* by hand, time within 10% of it, every call answered", () => {
    const result = simulate([...TIGHT_500, "--seeds", "2", "--json", "-"]);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as {
      lowerBoundS: number;
      bindingBound: string;
      ratio: { worst: number };
      incomplete: boolean;
      seeds: number;
    };
    // By hand: 1,000 role and group calls on the "other" bucket at 60 per 1 s window: the last
    // call goes in the 17th window, which opens 16 s after the first.
    expect(report).toMatchObject({ lowerBoundS: 16, bindingBound: "rate", incomplete: false, seeds: 2 });
    expect(report.ratio.worst).toBeLessThanOrEqual(1.1);
  });

  it("the retry-only strategy is predicted to meet more 429s than paced on the same settings", () => {
    const run = (strategy: string) =>
      JSON.parse(simulate([...TIGHT_500, "--seeds", "1", "--strategy", strategy, "--json", "-"]).stdout) as {
        share429: { worst: number };
      };
    expect(run("retry-only").share429.worst).toBeGreaterThan(run("paced").share429.worst);
  });

  it("a client event loop busy 25 ms a call caps it at 40 calls a second, below the budget", () => {
    const report = JSON.parse(
      simulate([...TIGHT_500, "--seeds", "1", "--cpu-ms", "25", "--json", "-"]).stdout,
    ) as { predictedS: { median: number }; lowerBoundS: number };
    // By hand: about 1,003 calls (3 pages, 1,000 role and group calls) served one at a time,
    // 25 ms each, take at least 25 s, whatever the budget's 16 s bound allows.
    expect(report.lowerBoundS).toBe(16);
    expect(report.predictedS.median).toBeGreaterThanOrEqual(25);
  });

  it("bad settings are named", () => {
    const result = simulate(["--reporting", "sometimes"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/--reporting.*sometimes/);
    const cpu = simulate(["--cpu-ms", "fast"]);
    expect(cpu.status).not.toBe(0);
    expect(cpu.stderr).toMatch(/--cpu-ms.*fast/);
  });
});
