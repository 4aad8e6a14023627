import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import cliProgress from "cli-progress";
import {
  type LoopResult,
  nodeWorker,
  type RateLimitConfig,
  reportHtml,
  reportTable,
  runAuditLoop,
  runLoadtest,
  STRATEGIES,
  type Strategy,
} from "../harness/index.js";
import { startRedis } from "../harness/redis-server.js";
import { loadDataFile } from "./load-file.js";
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

export async function loadtestCommand(options: LoadtestCommandOptions): Promise<number> {
  if (options.worker) return workerMode(options);
  const strategies = strategiesOf(options.strategy);
  const limits = withWindow(await resolveLimits(options.limits, options.resetRounding), options.windowMs);
  let redisUrl = options.sharedLimiter;
  let stopRedis: (() => Promise<void>) | undefined;
  if (redisUrl === "auto") {
    const redis = await startRedis();
    if (!redis)
      throw new Error(
        "--shared-limiter auto needs redis-server (Debian: apt-get install redis-server), or pass a redis:// URL",
      );
    redisUrl = redis.url;
    stopRedis = redis.stop;
  }
  const bar = new cliProgress.SingleBar(
    {
      format: "{strategy} |{bar}| {value}/{total} users audited | {duration_formatted}",
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let current: Strategy | undefined;
  try {
    const reports = await runLoadtest({
      users: options.users,
      strategies,
      concurrency: options.concurrency,
      workers: options.workers,
      pageSize: options.pageSize,
      limits,
      faults: options.faults ? await loadDataFile(options.faults) : undefined,
      mcpUrl: options.mcpUrl,
      redisUrl,
      seed: options.seed,
      spawnWorker: nodeWorker(fileURLToPath(new URL("./main.js", import.meta.url))),
      onProgress: (strategy, done, total) => {
        if (!process.stderr.isTTY) return;
        if (strategy !== current) {
          if (current) bar.stop();
          current = strategy;
          bar.start(Math.max(total, 1), 0, { strategy });
        }
        if (total > 0) bar.setTotal(total);
        bar.update(Math.floor(done), { strategy });
      },
    });
    if (current) bar.stop();
    process.stdout.write(`${reportTable(reports)}\n`);
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
    // `none` (no retries) is there to show what 429s cost; the others must audit everyone.
    const incomplete = reports.filter((r) => r.strategy !== "none" && (!r.complete || r.failed > 0));
    for (const r of incomplete)
      process.stderr.write(
        `paceline: ${r.strategy}: the audit is incomplete (${r.usersAudited} of ${r.users} users audited, ${r.failed} calls failed)\n`,
      );
    return incomplete.length > 0 ? 1 : 0;
  } finally {
    await stopRedis?.();
  }
}

/** A worker process: one slice of the directory, the result as one JSON line on stdout. */
async function workerMode(options: LoadtestCommandOptions): Promise<number> {
  const match = /^(\d+)\/(\d+)$/.exec(options.worker ?? "");
  if (!match || !options.mcpUrl) throw new Error("--worker i/N needs --mcp-url");
  const result: LoopResult = await runAuditLoop({
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
