/**
 * `npm run bench:calibrate`: the simulator against the real harness, cell by cell. Each cell runs
 * in virtual time (paceline's call engine and the Okta model, three seeds) and for real (the same
 * engine in `PacedClient`, through the gateway, against the fake Okta in this process, with the
 * same limits, latency — a fault at the fake Okta — concurrency, gateway settings and workers).
 * Both are judged against the same T* (from the limits config and the latency). A cell whose
 * figures differ by more than 5% in time/T* or 0.5 points of 429 share is marked: the missing
 * physics is named in the closing notes.
 *
 * Then `paceline simulate` against `paceline loadtest`, both run as a user would (the CLI, its own
 * process, the load test's harness in a child): the prediction is given the same users, limits,
 * concurrency and latency (the fault's, plus the loopback round trip measured above), and the
 * client CPU per call the load test reports. Writes bench/results/calibrate.json.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { LIMIT_PRESETS, type RateLimitConfig } from "../harness/fake-okta/rate-limits.js";
import { boundFor, runAuditLoop } from "../harness/loadtest/index.js";
import { startRedis } from "../harness/redis-server.js";
import { type AuditCell, simulateAudit } from "../harness/simulator/simulate-audit.js";
import { startHarness } from "../harness/start.js";
import { latencyAtOkta, writeReport } from "./measure.js";

interface CalibrationCell {
  name: string;
  users: number;
  limits: RateLimitConfig;
  /** Injected at the fake Okta (0: loopback only). */
  latencyMs: number;
  concurrency: number;
  workers?: number;
  reporting?: "always" | "on_429" | "never";
}

const okta10s = { ...LIMIT_PRESETS.okta, windowMs: 10_000 };
const CELLS: CalibrationCell[] = [
  { name: "tight, 16 in flight", users: 500, limits: LIMIT_PRESETS.tight, latencyMs: 0, concurrency: 16 },
  {
    name: "tight, 40 in flight against 20, 100 ms",
    users: 500,
    limits: LIMIT_PRESETS.tight,
    latencyMs: 100,
    concurrency: 40,
  },
  {
    name: "okta, 100 in flight against 75, 300 ms",
    users: 500,
    limits: LIMIT_PRESETS.okta,
    latencyMs: 300,
    concurrency: 100,
  },
  {
    name: "okta 10 s windows, 16 in flight, 200 ms",
    users: 1000,
    limits: okta10s,
    latencyMs: 200,
    concurrency: 16,
  },
  {
    name: "tight, budgets reported only on 429s",
    users: 500,
    limits: LIMIT_PRESETS.tight,
    latencyMs: 0,
    concurrency: 16,
    reporting: "on_429",
  },
  {
    name: "tight, 2 workers on one Redis budget",
    users: 500,
    limits: LIMIT_PRESETS.tight,
    latencyMs: 0,
    concurrency: 16,
    workers: 2,
  },
];

/** The cell for real: the harness in this process, the audit loop through `PacedClient`, one run. */
async function real(cell: CalibrationCell) {
  const redis = cell.workers ? await startRedis() : undefined;
  const harness = await startHarness({
    fixture: { seed: 42, generate: { users: cell.users, logs: 0 } },
    limits: cell.limits,
    faults: latencyAtOkta(cell.latencyMs),
    ...(cell.reporting
      ? { mcpServer: { name: "calibrate", config: { rate_limit_reporting: cell.reporting } } }
      : {}),
  });
  try {
    const workers = cell.workers ?? 1;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: workers }, (_, index) =>
        runAuditLoop({
          mcpUrl: harness.gateway.mcpUrl,
          strategy: "paced",
          concurrency: Math.floor(cell.concurrency / workers),
          pageSize: 200,
          ...(workers > 1 ? { worker: { index, of: workers }, redisUrl: redis?.url } : {}),
        }),
      ),
    );
    const timeMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const minCallMs = Math.min(...results.map((r) => r.minCallMs));
    const attempts = results.reduce((sum, r) => sum + r.attempts, 0);
    const rateLimited = results.reduce((sum, r) => sum + r.rateLimited, 0);
    // Client, gateway and fake Okta share this process's event loop: its CPU per attempt is the
    // time a call holds the loop, which the simulator serves one call at a time.
    const serviceMs = (cpu.user + cpu.system) / 1000 / Math.max(1, attempts);
    return { timeMs, minCallMs, attempts, rateLimited, serviceMs };
  } finally {
    await harness.close();
    await redis?.stop();
  }
}

const rows = [];
for (const cell of CELLS) {
  const measured = await real(cell);
  // The simulated round trip: what the real client's fastest call took, less the loop's own CPU
  // (served apart); the injected part sits at Okta.
  const latencyMs = Math.max(1, measured.minCallMs - measured.serviceMs);
  const serverShare = cell.latencyMs > 0 ? Math.min(0.95, cell.latencyMs / latencyMs) : 0.5;
  const bound = boundFor(
    { limits: cell.limits, pageSize: 200, concurrency: cell.concurrency },
    cell.users,
    latencyMs,
    cell.workers ?? 1,
  );
  const simulatedCell: AuditCell = {
    name: cell.name,
    users: cell.users,
    limits: cell.limits,
    latencyMs,
    serverShare,
    serviceMs: measured.serviceMs,
    concurrency: Math.floor(cell.concurrency / (cell.workers ?? 1)),
    workers: cell.workers,
    sharedLimiter: cell.workers !== undefined,
    reporting: cell.reporting,
  };
  const sims = [];
  for (const seed of [1, 2, 3]) sims.push(await simulateAudit({ ...simulatedCell, seed }));
  const simRatio = sims.reduce((sum, s) => sum + s.timeMs, 0) / sims.length / bound.lowerBoundMs;
  const sim429 = sims.reduce((sum, s) => sum + s.share429, 0) / sims.length;
  const realRatio = measured.timeMs / bound.lowerBoundMs;
  const real429 = measured.rateLimited / Math.max(1, measured.attempts);
  const off = Math.abs(simRatio - realRatio) / realRatio > 0.05 || Math.abs(sim429 - real429) > 0.005;
  rows.push({
    cell: cell.name,
    tStarS: Number((bound.lowerBoundMs / 1000).toFixed(1)),
    callMs: Math.round(latencyMs),
    cpuMsPerCall: Number(measured.serviceMs.toFixed(2)),
    simRatio: Number(simRatio.toFixed(3)),
    realRatio: Number(realRatio.toFixed(3)),
    sim429: `${(100 * sim429).toFixed(2)}%`,
    real429: `${(100 * real429).toFixed(2)}%`,
    agree: off ? "NO" : "yes",
  });
  console.log(JSON.stringify(rows.at(-1)));
}
console.log("Simulator (virtual time, 3 seeds) against the real harness (one run), paced, same T*:");
console.table(rows);

interface PredictionCell {
  name: string;
  users: number;
  limits: "tight" | "okta";
  windowMs?: number;
  latencyMs: number;
  concurrency: number;
}

const PREDICTIONS: PredictionCell[] = [
  { name: "tight, 500 users, 16 in flight", users: 500, limits: "tight", latencyMs: 0, concurrency: 16 },
  {
    name: "okta 10 s windows, 1,000 users, 200 ms",
    users: 1000,
    limits: "okta",
    windowMs: 10_000,
    latencyMs: 200,
    concurrency: 16,
  },
];

const cli = join(import.meta.dirname, "..", "cli", "main.js");
const run = promisify(execFile);

/** `paceline loadtest`, then `paceline simulate` on the same settings, each in its own process. */
async function prediction(cell: PredictionCell, loopbackMs: number) {
  const dir = await mkdtemp(join(tmpdir(), "paceline-calibrate-"));
  try {
    const common = [
      ["--users", cell.users],
      ["--limits", cell.limits],
      ["--concurrency", cell.concurrency],
      ...(cell.windowMs ? [["--window-ms", cell.windowMs]] : []),
    ].flatMap(([flag, value]) => [String(flag), String(value)]);
    const faults = join(dir, "faults.json");
    const schedule = latencyAtOkta(cell.latencyMs);
    if (schedule) await writeFile(faults, JSON.stringify(schedule));
    const out = join(dir, "loadtest.json");
    await run(process.execPath, [
      cli,
      "loadtest",
      ...common,
      "--strategy",
      "paced",
      "--json",
      out,
      ...(schedule ? ["--faults", faults] : []),
    ]);
    const [measured] = JSON.parse(await readFile(out, "utf8")) as {
      timeMs: number;
      ratio: number;
      attempts: number;
      rateLimited: number;
      host: { cpu: number };
    }[];
    if (!measured) throw new Error("the load test wrote no report");
    const cpuMs = (measured.host.cpu * measured.timeMs) / Math.max(1, measured.attempts);
    const { stdout } = await run(process.execPath, [
      cli,
      "simulate",
      ...common,
      "--latency-ms",
      String(Math.round(cell.latencyMs + loopbackMs)),
      "--jitter",
      "0",
      "--cpu-ms",
      cpuMs.toFixed(2),
      "--json",
      "-",
    ]);
    const predicted = JSON.parse(stdout) as {
      predictedS: { median: number };
      ratio: { p90: number };
      share429: { p90: number };
    };
    const off = Math.abs(predicted.ratio.p90 - measured.ratio) / measured.ratio > 0.05;
    return {
      cell: cell.name,
      cpuMsPerCall: Number(cpuMs.toFixed(2)),
      predictedS: predicted.predictedS.median,
      measuredS: Number((measured.timeMs / 1000).toFixed(1)),
      predictedRatio: predicted.ratio.p90,
      measuredRatio: Number(measured.ratio.toFixed(3)),
      predicted429: `${(100 * predicted.share429.p90).toFixed(2)}%`,
      measured429: `${((100 * measured.rateLimited) / Math.max(1, measured.attempts)).toFixed(2)}%`,
      within5pct: off ? "NO" : "yes",
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The harness's loopback round trip, from the first (no added latency) cell.
const loopbackMs = rows[0]?.callMs ?? 3;
const predictions = [];
for (const cell of PREDICTIONS) {
  predictions.push(await prediction(cell, loopbackMs));
  console.log(JSON.stringify(predictions.at(-1)));
}
console.log("paceline simulate (p90 of 3 seeds) against paceline loadtest (one run), same settings:");
console.table(predictions);
writeReport("calibrate", { rows, predictions });
