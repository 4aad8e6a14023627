import type { ScenarioResult } from "./run-scenario.js";

/** The run's outputs: a table for people, JUnit XML for CI, JSON for tools. */

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
  );

/** One testcase per scenario; an expectation miss is a `<failure>`, a crash an `<error>`. */
export function junitXml(results: ScenarioResult[], suiteName = "paceline scenarios"): string {
  const failures = results.filter((r) => !r.error && !r.passed).length;
  const errors = results.filter((r) => r.error).length;
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const cases = results.map((r) => {
    const body = r.error
      ? `\n    <error message="${escapeXml(r.error.split("\n")[0] ?? "")}">${escapeXml(r.error)}</error>\n  `
      : r.passed
        ? ""
        : `\n    <failure message="${escapeXml(r.failures[0] ?? "")}">${escapeXml(r.failures.join("\n"))}</failure>\n  `;
    return `  <testcase classname="${escapeXml(r.file)}" name="${escapeXml(r.name)}" time="${time(r.durationMs)}">${body}</testcase>`;
  });
  const total = results.reduce((sum, r) => sum + r.durationMs, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${escapeXml(suiteName)}" tests="${results.length}" failures="${failures}" errors="${errors}" time="${time(total)}">\n<testsuite name="${escapeXml(suiteName)}" tests="${results.length}" failures="${failures}" errors="${errors}" time="${time(total)}">\n${cases.join("\n")}\n</testsuite>\n</testsuites>\n`;
}

export function resultTable(results: ScenarioResult[]): string {
  const rows = results.map((r) => [
    r.name,
    r.error ? "ERROR" : r.passed ? "pass" : "FAIL",
    String(r.toolCalls),
    String(r.rateLimited),
    String(r.retries),
    `${(r.durationMs / 1000).toFixed(1)}s`,
  ]);
  const header = ["scenario", "result", "tool calls", "429s", "retries", "time"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ");
  const details = results
    .filter((r) => !r.passed)
    .map(
      (r) =>
        `\n${r.name} (${r.file}):\n${(r.error ? [r.error] : r.failures).map((f) => `  - ${f}`).join("\n")}`,
    );
  const passed = results.filter((r) => r.passed).length;
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `${passed} passed, ${results.length - passed} failed`,
    ...details,
  ].join("\n");
}
