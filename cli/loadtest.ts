import { existsSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import cliProgress from "cli-progress";
import { FaultScheduleSchema } from "../harness/fake-okta/faults.js";
import {
  type LoopResult,
  nodeHarness,
  nodeWorker,
  type RateLimitConfig,
  reportHtml,
  reportTable,
  runAuditLoop,
  runLoadtest,
  STRATEGIES,
  type Strategy,
  type StrategyReport,
} from "../harness/index.js";
import { pingRedis, startRedis } from "../harness/redis-server.js";
import { stopChildren } from "../harness/shared/children.js";
import { readYamlAs } from "../harness/shared/yaml-file.js";
import { resolveLimits } from "./serve.js";

export interface LoadtestCommandOptions {
  users: number;
  workers: number;
  concurrency: number;
  limits: string;
  windowMs?: number;
  resetRounding?: "up" | "down";
  strategy: string;
  faults?: string;
  json?: string;
  html?: string;
  mcpUrl?: string;
  adminUrl?: string;
  /** Which of these options the user gave (not their defaults). */
  given?: { users: boolean; limits: boolean };
  harnessProcess?: boolean;
  sharedLimiter?: string;
  pageSize: number;
  seed: number;
  worker?: string;
}

function strategiesOf(value: string): Strategy[] {
  if (value === "all") return STRATEGIES;
  const chosen = value.split(",").map((s) => s.trim());
  const unknown = chosen.filter((s) => !STRATEGIES.includes(s as Strategy));
  if (unknown.length > 0)
    throw new Error(`--strategy: '${unknown.join(", ")}' is not one of ${STRATEGIES.join(", ")}, all`);
  return chosen as Strategy[];
}

/** `--window-ms` sets every bucket's window. */
function withWindow(limits: RateLimitConfig, windowMs: number | undefined): RateLimitConfig {
  if (windowMs === undefined) return limits;
  return { ...limits, windowMs, buckets: limits.buckets.map(({ windowMs: _, ...rule }) => rule) };
}

/**
 * Against a gateway it did not start, the load test must know the limits T* is computed from and
 * the org it audits: from that harness's admin API, or stated; anything else is refused up front.
 */
export function externalHarnessProblem(options: LoadtestCommandOptions): string | undefined {
  // A worker is the load test's own child: its parent chose the harness and computes T*.
  if (options.worker) return undefined;
  if (options.adminUrl && !options.mcpUrl)
    return "--admin-url names the fake Okta behind --mcp-url; give --mcp-url too";
  if (!options.mcpUrl) return undefined;
  if (options.adminUrl)
    return options.given?.limits
      ? "--limits with --admin-url: the limits are read from the server; drop --limits"
      : undefined;
  if (options.given?.users)
    return `--users ${options.users}: a gateway given by --mcp-url is audited as it is; add --admin-url (paceline serve --json prints it) to seed ${options.users} users, or drop --users`;
  if (!options.given?.limits)
    return "--mcp-url: T* needs the server's limits; add --admin-url (paceline serve --json prints it) to read them, or --limits with exactly what the server runs";
  return undefined;
}

export async function loadtestCommand(options: LoadtestCommandOptions): Promise<number> {
  if (options.worker) return workerMode(options);
  const problem = externalHarnessProblem(options);
  if (problem) throw new Error(problem);
  const strategies = strategiesOf(options.strategy);
  const limits = withWindow(await resolveLimits(options.limits, options.resetRounding), options.windowMs);
  // Output folders exist before a long run, not after it, and an output that is a folder is refused now.
  for (const [option, file] of [
    ["--json", options.json],
    ["--html", options.html],
  ] as const) {
    if (!file) continue;
    if (existsSync(file) && statSync(file).isDirectory())
      throw new Error(
        `${option}: '${file}' is a folder; name a file in it, e.g. ${join(file, option === "--json" ? "loadtest.json" : "loadtest.html")}`,
      );
    await mkdir(dirname(file), { recursive: true });
  }
  let redisUrl = options.sharedLimiter;
  let stopRedis: (() => Promise<void>) | undefined;
  if (redisUrl === "auto") {
    const redis = await startRedis();
    if (!redis)
      throw new Error(
        "--shared-limiter auto starts a local redis-server, and none is installed (Debian: apt-get install redis-server); or pass --shared-limiter redis://host:port",
      );
    redisUrl = redis.url;
    stopRedis = redis.stop;
  } else if (redisUrl) {
    // Fail within seconds, naming the address and the cause, rather than hang in the workers.
    const problem = await pingRedis(redisUrl);
    if (problem) throw new Error(`--shared-limiter ${redisUrl}: cannot reach Redis (${problem})`);
  }
  const progress = plainProgress();
  const tally = workerTally();
  const bar = new cliProgress.SingleBar(
    {
      format: "{strategy} |{bar}| {value}/{total} users audited{workers} | {duration_formatted}",
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let current: Strategy | undefined;
  // A signal to this process alone still stops its workers, harness and Redis, and keeps the
  // strategies that finished, marked incomplete.
  const finished: StrategyReport[] = [];
  let interrupted: Promise<never> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (current) bar.stop();
    process.stderr.write(`paceline: ${signal}: stopping the workers, the harness and Redis\n`);
    interrupted = (async () => {
      await stopChildren();
      await stopRedis?.();
      if (options.json)
        await writeFile(
          options.json,
          `${JSON.stringify({ incomplete: true, signal, reports: finished }, null, 2)}\n`,
        ).catch(() => {});
      if (finished.length > 0) process.stdout.write(`${reportTable(finished)}\n(incomplete: ${signal})\n`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    })();
  };
  // The run fails as its children are stopped: the signal's own ending, not that error, ends it.
  const whenInterrupted = async (error: unknown): Promise<never> => {
    if (interrupted) await interrupted;
    throw error;
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const reports = await runLoadtest({
      onReport: (report) => finished.push(report),
      users: options.users,
      strategies,
      concurrency: options.concurrency,
      workers: options.workers,
      pageSize: options.pageSize,
      limits,
      faults: options.faults ? await readYamlAs(FaultScheduleSchema, options.faults) : undefined,
      mcpUrl: options.mcpUrl,
      adminUrl: options.adminUrl,
      redisUrl,
      seed: options.seed,
      spawnWorker: nodeWorker(fileURLToPath(new URL("./main.js", import.meta.url))),
      ...(options.harnessProcess && !options.mcpUrl
        ? { spawnHarness: nodeHarness(fileURLToPath(new URL("./main.js", import.meta.url))) }
        : {}),
      onProgress: (strategy, done, total, worker) => {
        const sum = tally(strategy, done, total, worker);
        if (!process.stderr.isTTY) return progress(strategy, sum.done, sum.total, sum.workers);
        if (strategy !== current) {
          if (current) bar.stop();
          current = strategy;
          bar.start(Math.max(sum.total, 1), 0, { strategy, workers: "" });
        }
        if (sum.total > 0) bar.setTotal(sum.total);
        bar.update(Math.floor(sum.done), { strategy, workers: sum.workers ? ` (${sum.workers})` : "" });
      },
    }).catch(whenInterrupted);
    if (current) bar.stop();
    // The results first: nothing after this may lose a finished run.
    if (options.json)
      await writeFile(
        options.json,
        `${JSON.stringify(
          reports.map(({ timeline, ...r }) => ({ ...r, timeline })),
          null,
          2,
        )}\n`,
      );
    if (options.html) await writeFile(options.html, reportHtml(reports));
    process.stdout.write(`${reportTable(reports)}\n`);
    const listed = reports[0]?.users ?? options.users;
    if ((!options.mcpUrl || options.adminUrl) && listed < options.users)
      process.stdout.write(
        `note: ${options.users} users seeded, ${listed} listed: Okta's default user list leaves out DEPROVISIONED users (${options.users - listed} here), so the audit covers ${listed}.\n`,
      );
    // `none` (no retries) is there to show what 429s cost; the others must audit everyone.
    const incomplete = reports.filter((r) => r.strategy !== "none" && (!r.complete || r.failed > 0));
    for (const r of incomplete)
      process.stderr.write(
        `paceline: ${r.strategy}: the audit is incomplete (${r.usersAudited} of ${r.users} users audited, ${r.failed} calls failed)\n`,
      );
    return incomplete.length > 0 ? 1 : 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await stopRedis?.();
  }
}

/**
 * A worker process: one slice of the directory; its progress as `{"progress":[done,total]}` lines
 * (a few a second), then the result as one JSON line on stdout.
 */
async function workerMode(options: LoadtestCommandOptions): Promise<number> {
  const match = /^(\d+)\/(\d+)$/.exec(options.worker ?? "");
  if (!match || !options.mcpUrl) throw new Error("--worker i/N needs --mcp-url");
  let told = 0;
  const result: LoopResult = await runAuditLoop({
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - told < 250 && done < total) return;
      told = now;
      process.stdout.write(`${JSON.stringify({ progress: [Math.floor(done), total] })}\n`);
    },
    mcpUrl: options.mcpUrl,
    strategy: strategiesOf(options.strategy)[0] ?? "paced",
    concurrency: options.concurrency,
    pageSize: options.pageSize,
    worker: { index: Number(match[1]), of: Number(match[2]) },
    redisUrl: options.sharedLimiter,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

/**
 * Each worker's progress, summed: users audited and listed over all workers, and each worker's
 * own count ("worker 1 120/250, worker 2 98/250"; empty without workers).
 */
export function workerTally(): (
  strategy: Strategy,
  done: number,
  total: number,
  worker?: number,
) => { done: number; total: number; workers: string } {
  let current: Strategy | undefined;
  const byWorker = new Map<number, [number, number]>();
  return (strategy, done, total, worker) => {
    if (strategy !== current) byWorker.clear();
    current = strategy;
    if (worker === undefined) return { done, total, workers: "" };
    byWorker.set(worker, [done, total]);
    const entries = [...byWorker.entries()].sort(([a], [b]) => a - b);
    return {
      done: entries.reduce((sum, [, [d]]) => sum + d, 0),
      total: entries.reduce((sum, [, [, t]]) => sum + t, 0),
      workers: entries.map(([i, [d, t]]) => `worker ${i + 1} ${Math.floor(d)}/${t}`).join(", "),
    };
  };
}

/** Without a terminal, a progress line every few seconds instead of a bar (CI logs stay readable). */
function plainProgress(
  everyMs = 5000,
): (strategy: Strategy, done: number, total: number, workers: string) => void {
  let last = 0;
  const started = performance.now();
  return (strategy, done, total, workers) => {
    const now = performance.now();
    if (now - last < everyMs && done < total) return;
    last = now;
    process.stderr.write(
      `${strategy}: ${Math.floor(done)}/${total} users audited${workers ? ` (${workers})` : ""}, ${((now - started) / 1000).toFixed(0)} s\n`,
    );
  };
}
