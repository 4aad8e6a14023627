import { describe, expect, it } from "vitest";
import { LIMIT_PRESETS } from "../fake-okta/rate-limits.js";
import { reportHtml, reportTable } from "./report.js";
import { runLoadtest } from "./run-loadtest.js";

describe("the load test against the in-process harness", () => {
  it("reports every strategy with counts that agree with the fake Okta's journal", {
    timeout: 90_000,
  }, async () => {
    const reports = await runLoadtest({
      users: 150,
      strategies: ["paced", "retry-only", "none"],
      concurrency: 16,
      workers: 1,
      pageSize: 50,
      limits: LIMIT_PRESETS.tight,
      seed: 3,
    });
    const [paced, retryOnly, none] = reports;
    if (!paced || !retryOnly || !none) throw new Error("three reports expected");
    for (const r of reports) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining([
          "strategy",
          "users",
          "timeMs",
          "lowerBoundMs",
          "ratio",
          "calls",
          "rateLimited",
          "retries",
          "failed",
          "usersAudited",
        ]),
      );
      // The 429s the clients met are the 429s the fake Okta served.
      expect(r.clientRateLimited).toBe(r.rateLimited);
      expect(r.users).toBeGreaterThan(140);
    }
    expect(paced).toMatchObject({ complete: true, failed: 0, duplicates: 0 });
    expect(paced.rateLimited / paced.attempts).toBeLessThan(0.01);
    expect(retryOnly).toMatchObject({ complete: true, duplicates: 0 });
    expect(retryOnly.rateLimited).toBeGreaterThan(paced.rateLimited);
    expect(retryOnly.retries).toBe(retryOnly.rateLimited);
    // Without retries, the 429s are failed calls and the audit is incomplete.
    expect(none.failed).toBe(none.rateLimited);
    expect(none.complete).toBe(false);
    expect(none.wasted).toBe(none.rateLimited);
    expect(paced.budget.find((b) => b.bucket === "other")?.peakUse).toBeLessThanOrEqual(1);

    const table = reportTable(reports);
    expect(table).toMatch(/paced\s+\d+\s+[\d.]+s/);
    const html = reportHtml(reports);
    expect(html).toContain("<svg");
    expect(html.match(/<section>/g)).toHaveLength(3);
    // Self-contained: nothing to fetch.
    expect(html).not.toMatch(/<script|src=|href=|https?:\/\//);
  });
});
