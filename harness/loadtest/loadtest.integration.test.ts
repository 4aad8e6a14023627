import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { workerTally } from "../../cli/loadtest.js";
import { LIMIT_PRESETS } from "../fake-okta/rate-limits.js";
import { startHarness } from "../start.js";
import type { LoopResult } from "./audit-loop.js";
import { reportHtml, reportTable } from "./report.js";
import { boundFor, nodeHarness, nodeWorker, runLoadtest } from "./run-loadtest.js";

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
    // Printed with every assertion below, so a miss on a busy CI machine shows its figures.
    const figures = JSON.stringify(
      reports.map(({ strategy, timeMs, calls, attempts, rateLimited, retries, failed, budget }) => ({
        strategy,
        timeMs,
        calls,
        attempts,
        rateLimited,
        retries,
        failed,
        budget,
      })),
    );
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
    expect(paced, figures).toMatchObject({ complete: true, failed: 0, duplicates: 0 });
    // The real figure is bench:audit's (about 0.2% under tight); this bound only has to hold on a
    // machine busy with other test files, one-second windows and all.
    expect(paced.rateLimited / paced.attempts, figures).toBeLessThan(0.03);
    expect(retryOnly).toMatchObject({ complete: true, duplicates: 0 });
    expect(retryOnly.rateLimited, figures).toBeGreaterThan(paced.rateLimited);
    expect(retryOnly.retries).toBe(retryOnly.rateLimited);
    // Without retries, the 429s are failed calls and the audit is incomplete.
    expect(none.failed).toBe(none.rateLimited);
    expect(none.complete).toBe(false);
    expect(none.wasted).toBe(none.rateLimited);
    // The budget report reads the fake's windows: the busy bucket was used, in more than one window.
    const other = paced.budget.find((b) => b.bucket === "other");
    expect(other?.windows, figures).toBeGreaterThan(1);
    expect(other?.meanUse, figures).toBeGreaterThan(0.3);

    // The run knows what it measured: this process's load, with the harness in it.
    for (const r of reports) {
      expect(r.host.harness).toBe("in-process");
      expect(r.host.eventLoopUtilization).toBeGreaterThan(0);
      expect(r.host.eventLoopUtilization).toBeLessThanOrEqual(1);
    }
    const busy = { ...paced, host: { ...paced.host, eventLoopUtilization: 0.97, saturated: true } };
    expect(reportTable([busy])).toMatch(/paced: saturated \(event loop 97% busy.*--mcp-url/);
    expect(reportTable([{ ...paced, host: { ...paced.host, saturated: false } }])).not.toContain("saturated");

    const table = reportTable(reports);
    expect(table).toMatch(/paced\s+\d+\s+[\d.]+s/);
    const html = reportHtml(reports);
    expect(html).toContain("<svg");
    expect(html.match(/<section>/g)).toHaveLength(3);
    // Per bucket, from the journal: the answered calls and 429s add up to what Okta served.
    for (const r of reports) {
      const perBucket = Object.values(r.timeline.buckets);
      const served = perBucket.reduce((n, b) => n + b.limited.reduce((x, y) => x + y, 0), 0);
      expect(served, figures).toBe(r.rateLimited);
      expect(Object.keys(r.timeline.buckets)).toContain("other");
    }
    expect(html).toContain("<h3>other</h3>");
    // The run's settings, in the JSON whole and on the page in a line.
    expect(paced.settings).toMatchObject({
      paceline: expect.stringMatching(/^\d+\.\d+\.\d+/),
      users: 150,
      concurrency: 16,
      workers: 1,
      pageSize: 50,
      seed: 3,
      limits: LIMIT_PRESETS.tight,
      faults: false,
      sharedLimiter: false,
    });
    expect(Date.parse(paced.settings.startedAt)).not.toBeNaN();
    expect(html).toContain("150 users, 16 in flight, 1 worker(s), pages of 50, seed 3");
    // Self-contained: nothing to fetch.
    expect(html).not.toMatch(/<script|src=|href=|https?:\/\//);
  });
});

describe("the load test under a 429 storm", () => {
  it("a 1,200-user audit with 30% of its calls refused by injected 429s: complete, nothing failed", {
    timeout: 120_000,
  }, async () => {
    // Okta's buckets at a third of the budget per second, so 2,400 calls fit CI time.
    const limits = {
      windowMs: 1000,
      concurrency: 75,
      buckets: [
        {
          name: "users-list-create",
          methods: ["GET" as const, "POST" as const],
          path: "/api/v1/users",
          limit: 100,
        },
        { name: "other", path: "/api/v1/*", limit: 200 },
      ],
    };
    const faults = {
      seed: 5,
      rules: [
        {
          path: "/api/v1/users/*/roles",
          probability: 0.3,
          action: { type: "status" as const, status: 429 as const, resetMs: 1500 },
        },
        {
          path: "/api/v1/users/*/groups",
          probability: 0.3,
          action: { type: "status" as const, status: 429 as const, resetMs: 1500 },
        },
      ],
    };
    const [paced] = await runLoadtest({
      users: 1200,
      strategies: ["paced"],
      concurrency: 16,
      workers: 1,
      pageSize: 200,
      limits,
      faults,
      seed: 21,
    });
    if (!paced) throw new Error("a report expected");
    expect(paced).toMatchObject({ complete: true, failed: 0, duplicates: 0 });
    // The storm happened: about 30% of the role and group requests were refused by it.
    const calls = 2 * paced.users;
    expect(paced.rateLimited).toBeGreaterThan(0.2 * calls);
    // Against the budget the storm leaves (70% of 200/s): ~2,400 / 140 s ≈ 17 s. A collapse (one call
    // per window, or waits for whole windows) would be many times that; this bound only catches that.
    expect(paced.timeMs).toBeLessThan(3 * (calls / 140) * 1000);
  });
});

describe("the harness in a process of its own", () => {
  it("audits through a child `paceline serve`, and reports that process's load beside its own", async () => {
    const cli = new URL("../../dist/cli/main.js", import.meta.url).pathname;
    const [paced] = await runLoadtest({
      users: 60,
      strategies: ["paced"],
      concurrency: 8,
      workers: 1,
      pageSize: 50,
      limits: LIMIT_PRESETS.none,
      seed: 3,
      spawnHarness: nodeHarness(cli),
    });
    expect(paced).toMatchObject({ complete: true, failed: 0 });
    expect(paced?.host.harness).toBe("child-process");
    expect(paced?.host.harnessEventLoopUtilization).toBeGreaterThan(0);
    expect(paced?.host.harnessEventLoopUtilization).toBeLessThanOrEqual(1);
  }, 60_000);
});

describe("the load test against a harness it did not start (--mcp-url with --admin-url)", () => {
  it("reads T* from that server's limits, seeds the users asked for, and resets between strategies", {
    timeout: 90_000,
  }, async () => {
    // The server runs okta's limits at 2 s windows; the options say tight, which must be ignored.
    const serverLimits = { ...LIMIT_PRESETS.okta, windowMs: 2_000 };
    const harness = await startHarness({
      fixture: { seed: 1, generate: { users: 7 } },
      limits: serverLimits,
    });
    try {
      const reports = await runLoadtest({
        users: 60,
        strategies: ["paced", "retry-only"],
        concurrency: 8,
        workers: 1,
        pageSize: 50,
        limits: LIMIT_PRESETS.tight,
        seed: 5,
        mcpUrl: harness.gateway.mcpUrl,
        adminUrl: harness.okta.adminUrl,
      });
      const listed = harness.okta.state.org.users.filter((u) => u.status !== "DEPROVISIONED").length;
      expect(harness.okta.state.org.users).toHaveLength(60);
      for (const report of reports) {
        // Each strategy audited the re-seeded org, all of it, once.
        expect(report).toMatchObject({ users: listed, usersAudited: listed, complete: true });
        // T* at the latency the run measured (its path term is (pages + 1) round trips).
        const latencyMs = report.bound.pathMs / (report.bound.pages + 1);
        const bound = (limits: typeof serverLimits) =>
          Math.round(boundFor({ limits, pageSize: 50, concurrency: 8 }, listed, latencyMs).lowerBoundMs);
        expect(report.lowerBoundMs).toBe(bound(serverLimits));
        expect(report.lowerBoundMs).not.toBe(bound(LIMIT_PRESETS.tight));
      }
      // Reset between strategies: the journal each report counts holds its own strategy's calls only.
      expect(reports[1]?.attempts).toBeLessThan(2 * (reports[0]?.attempts ?? 0));
    } finally {
      await harness.close();
    }
  });
});

describe("the load test's clock with worker processes", () => {
  it("runs from the first worker ready to the last one done: spawning and connecting are left out", {
    timeout: 60_000,
  }, async () => {
    // Workers that take 400 ms to start, then audit for 50 ms (the first) and 80 ms (the second).
    const start = Date.now() + 1_000_000;
    const worker = (index: number): LoopResult => ({
      strategy: "paced",
      timeMs: 50 + 30 * index,
      startedAt: start + 10 * index,
      endedAt: start + 10 * index + 50 + 30 * index,
      usersListed: 5,
      usersAudited: 5,
      duplicates: 0,
      calls: 11,
      attempts: 11,
      rateLimited: 0,
      retries: 0,
      failed: 0,
      pages: 1,
      minCallMs: 1,
      peakInFlight: 1,
      latency: { p50: 1, p95: 1, p99: 1, max: 1 },
      timeline: { ok: [11], limited: [0] },
    });
    let spawned = 0;
    const [report] = await runLoadtest({
      users: 10,
      strategies: ["paced"],
      concurrency: 2,
      workers: 2,
      pageSize: 50,
      limits: LIMIT_PRESETS.none,
      seed: 1,
      spawnWorker: async () => {
        const index = spawned++;
        await new Promise((resolve) => setTimeout(resolve, 400));
        return worker(index);
      },
    });
    // From the first start (start) to the last end (start + 10 + 80).
    expect(report?.timeMs).toBe(90);
  });
});

describe("a worker process (paceline loadtest --worker i/N)", () => {
  it("audits its share of a running harness and prints its result, with no --limits of its own", {
    timeout: 60_000,
  }, async () => {
    const harness = await startHarness({ fixture: { seed: 2, generate: { users: 40 } }, limits: "none" });
    try {
      const worker = nodeWorker(new URL("../../dist/cli/main.js", import.meta.url).pathname);
      const progress: [number, number][] = [];
      const result = await worker(
        ["--worker", "0/2", "--mcp-url", harness.gateway.mcpUrl, "--strategy", "paced"],
        (done, total) => progress.push([done, total]),
      );
      const listed = harness.okta.state.org.users.filter((u) => u.status !== "DEPROVISIONED").length;
      // Its share: every other user of the listing, each audited once.
      expect(result.usersListed).toBe(Math.ceil(listed / 2));
      expect(result).toMatchObject({ usersAudited: result.usersListed, failed: 0, duplicates: 0 });
      // Its progress came while it ran, never backwards, and ends at its share.
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.map(([done]) => done)).toEqual(
        [...progress.map(([done]) => done)].sort((a, b) => a - b),
      );
      expect(progress.at(-1)).toEqual([result.usersListed, result.usersListed]);
    } finally {
      await harness.close();
    }
  });
});

describe("the load test's progress with workers", () => {
  it("sums each worker's count and names each one", () => {
    const tally = workerTally();
    expect(tally("paced", 5, 20)).toEqual({ done: 5, total: 20, workers: "" });
    tally("paced", 3, 10, 1);
    expect(tally("paced", 4, 12, 0)).toEqual({ done: 7, total: 22, workers: "worker 1 4/12, worker 2 3/10" });
    // A new strategy starts from nothing.
    expect(tally("retry-only", 1, 12, 0)).toEqual({ done: 1, total: 12, workers: "worker 1 1/12" });
  });

  it("paceline loadtest --workers 2 prints each worker's progress", { timeout: 60_000 }, () => {
    const out = spawnSync(
      process.execPath,
      [
        new URL("../../dist/cli/main.js", import.meta.url).pathname,
        "loadtest",
        "--users",
        "60",
        "--workers",
        "2",
        "--limits",
        "none",
        "--strategy",
        "paced",
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/paced: \d+\/\d+ users audited \(worker 1 \d+\/\d+, worker 2 \d+\/\d+\)/);
  });
});
