/**
 * `npm run bench:audit`: the pacing policy measured two ways.
 * 1. The simulation matrix (harness/simulator): Okta's limits in virtual time, the real call
 *    engine, every cell over ten seeds against its targets (worst and 90th percentile printed).
 * 2. Real runs in this process against the harness: the 500-user audit under `tight`, and a
 *    2,000-user audit under Okta's budgets with 10 s windows (unaligned, whole-second resets):
 *    paced and retry-only paceline, `@okta/okta-sdk-nodejs` and a naive burst with p-retry against
 *    the fake Okta directly, and a fixed-spacing client (octokit's approach). Same fake, same T* (from the limits config).
 * Targets (issue #9): paced time/T* ≤ 1.03 with 429s ≤ 0.2% on 10 s and 60 s windows, ≤ 1.10 under
 * tight; ahead of both anchors on 429s and no slower. Writes bench/results/audit.json.
 * BENCH_REAL=0 runs the simulation only.
 */
import { LIMIT_PRESETS, type RateLimitConfig } from "../harness/fake-okta/rate-limits.js";
import { boundFor, runLoadtest } from "../harness/loadtest/index.js";
import { readJournal, resetFake } from "../harness/shared/admin-client.js";
import { matrixCells, runCellOverSeeds } from "../harness/simulator/matrix.js";
import { startHarness } from "../harness/start.js";
import { type AnchorResult, fixedSpacingAudit, naiveBurstAudit, oktaSdkAudit } from "./anchors.js";
import { writeReport } from "./measure.js";

interface Row {
  run: string;
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

async function realRows(name: string, users: number, limits: RateLimitConfig): Promise<Row[]> {
  const concurrency = 16;
  const pageSize = 200;
  const rows: Row[] = [];
  for (const report of await runLoadtest({
    users,
    strategies: ["paced", "retry-only"],
    concurrency,
    workers: 1,
    pageSize,
    limits,
    seed: 42,
  })) {
    rows.push({
      run: name,
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
  const harness = await startHarness({ fixture, limits });
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
      await resetFake(harness.okta.adminUrl, fixture, limits, undefined);
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
if (process.env.BENCH_REAL !== "0") {
  real.push(...(await realRows("500 users, tight", 500, LIMIT_PRESETS.tight)));
  real.push(
    ...(await realRows("2,000 users, okta --window-ms 10000", 2000, {
      ...LIMIT_PRESETS.okta,
      windowMs: 10_000,
    })),
  );
  console.log("Real runs against the harness, in this process:");
  console.table(real);
}
writeReport("audit", { simulated, real });
