/**
 * `npm run bench:audit`: the pacing policy measured two ways.
 * 1. The simulation matrix (harness/simulator): Okta's limits in virtual time, the real call
 *    engine, every cell over ten seeds against its targets (worst and 90th percentile printed).
 * 2. Real runs in this process against the harness (REAL_RUNS): the 500-user audit under `tight`;
 *    2,000 users under Okta's budgets with 10 s windows (unaligned, whole-second resets), on
 *    loopback and at 200 ms a call; and 100 in flight against Okta's 75 at 300 ms. Each: paced and
 *    retry-only paceline (through the gateway), `@okta/okta-sdk-nodejs` and a naive burst with
 *    p-retry (against the fake Okta directly: the burst is retry-only's twin without the gateway),
 *    and a fixed-spacing client (octokit's approach). Same fake, same latency, same T* (from the
 *    limits config and the fastest call).
 * Targets (issue #20): paced time/T* ≤ 1.03 with 429s ≤ 0.2% on 10 s and 60 s windows, ≤ 1.10
 * under tight and above the concurrency limit; ahead of every anchor on 429s. Writes
 * bench/results/audit.json. BENCH_REAL=0 runs the simulation only; BENCH_RUNS=1,3 picks real runs.
 */
import { LIMIT_PRESETS, type RateLimitConfig } from "../harness/fake-okta/rate-limits.js";
import { boundFor, runLoadtest } from "../harness/loadtest/index.js";
import { readJournal, resetFake } from "../harness/shared/admin-client.js";
import { matrixCells, runCellOverSeeds } from "../harness/simulator/matrix.js";
import { startHarness } from "../harness/start.js";
import { type AnchorResult, fixedSpacingAudit, naiveBurstAudit, oktaSdkAudit } from "./anchors.js";
import { latencyAtOkta, writeReport } from "./measure.js";

interface Row {
  run: string;
  /** Injected at the fake Okta on every user call, on top of loopback. */
  latencyMs: number;
  client: string;
  timeS: number;
  tStarS: number;
  ratio: number;
  attempts: number;
  r429: number;
  share429: string;
  failed: number;
  complete: boolean;
}

interface SimulatedRow {
  run: string;
  seeds: number;
  worstRatio: number;
  p90Ratio: number;
  worst429: string;
  p90429: string;
  targets: string;
  status: string;
}

/** Each cell over every seed: worst and 90th-percentile figures, and whether its targets hold. */
async function simulationRows(): Promise<SimulatedRow[]> {
  const rows: SimulatedRow[] = [];
  for (const cell of matrixCells()) {
    const s = await runCellOverSeeds(cell);
    rows.push({
      run: cell.name,
      seeds: s.runs.length,
      worstRatio: round(s.worst.ratio, 3),
      p90Ratio: round(s.p90.ratio, 3),
      worst429: `${(100 * s.worst.share429).toFixed(2)}%`,
      p90429: `${(100 * s.p90.share429).toFixed(2)}%`,
      targets: `≤${cell.targets.ratio}, ≤${(100 * cell.targets.share429).toFixed(1)}%`,
      status:
        s.misses.length === 0 ? "met" : cell.guard ? "stated" : cell.open ? `open: ${cell.open}` : "MISSED",
    });
  }
  return rows;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

interface RealRun {
  name: string;
  users: number;
  limits: RateLimitConfig;
  latencyMs?: number;
  concurrency?: number;
}

async function realRows({ name, users, limits, latencyMs = 0, concurrency = 16 }: RealRun): Promise<Row[]> {
  const pageSize = 200;
  const faults = latencyAtOkta(latencyMs);
  const rows: Row[] = [];
  for (const report of await runLoadtest({
    users,
    strategies: ["paced", "retry-only"],
    concurrency,
    workers: 1,
    pageSize,
    limits,
    faults,
    seed: 42,
  })) {
    rows.push({
      run: name,
      latencyMs,
      client: `paceline ${report.strategy}`,
      timeS: round(report.timeMs / 1000),
      tStarS: round(report.lowerBoundMs / 1000),
      ratio: round(report.ratio, 3),
      attempts: report.attempts,
      r429: report.rateLimited,
      share429: `${((100 * report.rateLimited) / report.attempts).toFixed(2)}%`,
      failed: report.failed,
      complete: report.complete,
    });
  }
  const fixture = { seed: 42, generate: { users, logs: 0 } };
  const harness = await startHarness({ fixture, limits, ...(faults ? { faults } : {}) });
  try {
    const anchors: [string, () => Promise<AnchorResult>][] = [
      ["okta-sdk-nodejs", () => oktaSdkAudit(harness.okta.url, harness.okta.token, concurrency, pageSize)],
      ["fixed spacing", () => fixedSpacingAudit(harness.gateway.mcpUrl, limits, concurrency, pageSize)],
      [
        "naive burst (p-retry)",
        () => naiveBurstAudit(harness.okta.url, harness.okta.token, concurrency, pageSize),
      ],
    ];
    for (const [client, audit] of anchors) {
      await resetFake(harness.okta.adminUrl, fixture, limits, faults);
      const started = performance.now();
      const result = await audit();
      const timeMs = performance.now() - started;
      const journal = await readJournal(harness.okta.adminUrl);
      const bound = boundFor(
        { limits, pageSize, concurrency },
        result.usersListed,
        Math.max(1, result.minCallMs),
      );
      const r429 = journal.filter((e) => e.status === 429).length;
      rows.push({
        run: name,
        latencyMs,
        client,
        timeS: round(timeMs / 1000),
        tStarS: round(bound.lowerBoundMs / 1000),
        ratio: round(timeMs / bound.lowerBoundMs, 3),
        attempts: journal.length,
        r429,
        share429: `${((100 * r429) / Math.max(1, journal.length)).toFixed(2)}%`,
        failed: result.failed,
        complete: result.failed === 0 && result.usersAudited === result.usersListed,
      });
    }
  } finally {
    await harness.close();
  }
  return rows;
}

const simulated = await simulationRows();
console.log("Simulation matrix (virtual time; every client knows no tool names):");
console.table(simulated);
const real: Row[] = [];
const okta10s = { ...LIMIT_PRESETS.okta, windowMs: 10_000 };
const REAL_RUNS: RealRun[] = [
  { name: "500 users, tight", users: 500, limits: LIMIT_PRESETS.tight },
  { name: "2,000 users, okta --window-ms 10000", users: 2000, limits: okta10s },
  // Realistic gateway latency (okta-api.md: 100–400 ms through a gateway), the same org.
  { name: "2,000 users, okta --window-ms 10000, 200 ms", users: 2000, limits: okta10s, latencyMs: 200 },
  // Above the org's concurrency limit (75): 100 in flight at 300 ms.
  {
    name: "500 users, okta, 100 in flight against 75, 300 ms",
    users: 500,
    limits: LIMIT_PRESETS.okta,
    latencyMs: 300,
    concurrency: 100,
  },
];
if (process.env.BENCH_REAL !== "0") {
  const only = process.env.BENCH_RUNS?.split(",").map(Number);
  for (const [i, runSpec] of REAL_RUNS.entries())
    if (!only || only.includes(i + 1)) real.push(...(await realRows(runSpec)));
  console.log("Real runs against the harness, in this process:");
  console.table(real);
}
writeReport("audit", { simulated, real });
