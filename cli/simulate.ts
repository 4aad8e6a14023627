import { writeFile } from "node:fs/promises";
import { type CellSummary, type MatrixCell, runCellOverSeeds } from "../harness/simulator/matrix.js";
import { resolveLimits } from "./serve.js";

/**
 * `paceline simulate`: the audit loop (list every user, then each user's roles and groups) with
 * paceline's own call engine in virtual time against a model of the org's limits — capacity
 * planning before a load test: predicted time, its lower bound T*, 429s and the binding bound,
 * over several seeds, in about a second for tens of thousands of users.
 */
export interface SimulateCommandOptions {
  users: number;
  limits: string;
  windowMs?: number;
  resetRounding?: "up" | "down";
  windowModel: "first-request" | "periodic";
  latencyMs: number;
  jitter: number;
  /** CPU per call on the client's event loop (ms), served one call at a time. */
  cpuMs: number;
  concurrency: number;
  workers: number;
  sharedLimiter: boolean;
  reporting: "always" | "on_429" | "never";
  rateLimitMode: "tool_result" | "http_429";
  strategy: "paced" | "retry-only";
  seeds: number;
  pageSize: number;
  json?: string;
}

export async function simulateCommand(options: SimulateCommandOptions): Promise<number> {
  const base = await resolveLimits(options.limits, options.resetRounding);
  const limits = {
    ...base,
    ...(options.windowMs ? { windowMs: options.windowMs } : {}),
    windowModel: options.windowModel,
  };
  const cell: MatrixCell = {
    name: "simulate",
    users: options.users,
    pageSize: options.pageSize,
    limits,
    latencyMs: options.latencyMs,
    jitter: options.jitter,
    serviceMs: options.cpuMs,
    concurrency: Math.max(1, Math.floor(options.concurrency / options.workers)),
    workers: options.workers,
    sharedLimiter: options.sharedLimiter,
    reporting: options.reporting,
    rateLimitMode: options.rateLimitMode,
    strategy: options.strategy,
    // Virtual time: a day of audit costs no more than its events.
    limitMs: 7 * 24 * 3_600_000,
    targets: { ratio: Number.POSITIVE_INFINITY, share429: 1 },
  };
  const started = performance.now();
  const seeds = Array.from({ length: options.seeds }, (_, i) => i + 1);
  const summary = await runCellOverSeeds(cell, seeds);
  const report = reportOf(options, summary, performance.now() - started);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (options.json === "-") process.stdout.write(json);
  else {
    if (options.json) await writeFile(options.json, json);
    printReport(report);
  }
  return report.incomplete ? 1 : 0;
}

function reportOf(options: SimulateCommandOptions, summary: CellSummary, wallMs: number) {
  const first = summary.runs[0];
  const bound = first?.bound;
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  const times = summary.runs.map((r) => r.timeMs).sort((a, b) => a - b);
  return {
    settings: options,
    lowerBoundS: bound ? seconds(bound.lowerBoundMs) : undefined,
    bindingBound: bound?.limitedBy,
    predictedS: {
      median: seconds(times[Math.floor((times.length - 1) / 2)] ?? 0),
      worst: seconds(times.at(-1) ?? 0),
    },
    ratio: { p90: round(summary.p90.ratio), worst: round(summary.worst.ratio) },
    share429: { p90: round(summary.p90.share429, 4), worst: round(summary.worst.share429, 4) },
    attempts: summary.runs.map((r) => r.attempts),
    incomplete: summary.runs.some((r) => !r.complete || r.failed > 0),
    seeds: summary.runs.length,
    wallMs: Math.round(wallMs),
  };
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

function printReport(report: ReturnType<typeof reportOf>): void {
  const s = report.settings;
  console.log(
    `${s.users} users, ${s.limits}${s.windowMs ? ` with ${s.windowMs} ms windows` : ""} (${s.windowModel}), ` +
      `${s.latencyMs} ms ±${Math.round(s.jitter * 100)}% per call${s.cpuMs ? ` (+${s.cpuMs} ms CPU)` : ""}, ${s.concurrency} in flight` +
      `${s.workers > 1 ? ` over ${s.workers} workers${s.sharedLimiter ? " on one Redis budget" : ", independent"}` : ""}, ` +
      `gateway reporting ${s.reporting}, ${s.rateLimitMode}, ${s.strategy}:`,
  );
  console.table({
    "lower bound T* (s)": { value: report.lowerBoundS, note: `bound by ${report.bindingBound}` },
    "predicted time (s)": { value: report.predictedS.median, note: `worst seed ${report.predictedS.worst}` },
    "time / T*": { value: report.ratio.p90, note: `p90; worst ${report.ratio.worst}` },
    "429s of attempts": {
      value: `${(100 * report.share429.p90).toFixed(2)}%`,
      note: `p90; worst ${(100 * report.share429.worst).toFixed(2)}%`,
    },
  });
  console.log(
    `${report.seeds} seeds simulated in ${report.wallMs} ms${report.incomplete ? "; SOME CALLS FAILED" : ""}`,
  );
}
