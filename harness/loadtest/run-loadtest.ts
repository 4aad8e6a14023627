import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { JournalEntry } from "../fake-okta/journal.js";
import { type RateLimitConfig, RateLimiter } from "../fake-okta/rate-limits.js";
import { adminRequest, readJournal, resetFake } from "../shared/admin-client.js";
import { track } from "../shared/children.js";
import { pacelineVersion } from "../shared/version.js";
import { type Harness, startHarness } from "../start.js";
import { type LoopResult, runAuditLoop, type Strategy } from "./audit-loop.js";
import { type Bound, lowerBound } from "./lower-bound.js";

/**
 * `paceline loadtest`: the audit loop for each strategy against one seeded directory, with the
 * numbers that matter — time against the lower bound T*, 429s (as the fake Okta served them),
 * wasted and failed calls, completeness, latency, budget used per window, peak in-flight.
 */
export interface LoadtestOptions {
  users: number;
  strategies: Strategy[];
  concurrency: number;
  workers: number;
  pageSize: number;
  limits: RateLimitConfig;
  faults?: unknown;
  /** A running gateway instead of the in-process harness (its 429s are then the client's count). */
  mcpUrl?: string;
  /**
   * With `mcpUrl`: that harness's fake Okta admin API. Its limits give T* (the `limits` option is
   * ignored), and its org is re-seeded with `users` before each strategy.
   */
  adminUrl?: string;
  redisUrl?: string;
  seed: number;
  /** Runs a worker process: gets the arguments, reports its progress, resolves with its JSON result. */
  spawnWorker?: (args: string[], onProgress?: (done: number, total: number) => void) => Promise<LoopResult>;
  /** Starts the harness in a process of its own (so client and harness do not share a core). */
  spawnHarness?: () => Promise<HarnessProcess>;
  /** Users audited so far of those listed; with workers, each worker's own (`worker` its index). */
  onProgress?: (strategy: Strategy, done: number, total: number, worker?: number) => void;
  /** Each strategy's report as soon as it is done (an interrupted run keeps these). */
  onReport?: (report: StrategyReport) => void;
}

export interface WindowUse {
  bucket: string;
  windows: number;
  /** Mean share of each window's limit that was used (200s / limit). */
  meanUse: number;
  peakUse: number;
}

export interface RunSettings {
  paceline: string;
  /** When the run started (ISO 8601). */
  startedAt: string;
  node: string;
  users: number;
  concurrency: number;
  workers: number;
  pageSize: number;
  seed: number;
  /** The limits T* was computed from (the server's own, for a harness given by URL). */
  limits: RateLimitConfig;
  faults: boolean;
  sharedLimiter: boolean;
}

export interface StrategyReport {
  strategy: Strategy;
  users: number;
  timeMs: number;
  lowerBoundMs: number;
  ratio: number;
  bound: Bound;
  calls: number;
  attempts: number;
  rateLimited: number;
  /** 429s the clients reported meeting; equals `rateLimited` when the client misses none. */
  clientRateLimited: number;
  retries: number;
  /** Requests that bought nothing: 429s and other failed attempts that were retried. */
  wasted: number;
  failed: number;
  usersAudited: number;
  duplicates: number;
  complete: boolean;
  latency: LoopResult["latency"];
  peakInFlight: number;
  budget: WindowUse[];
  /**
   * This process during the run: event-loop utilisation (0–1) and CPU (share of one core). With the
   * harness in-process, client and harness share them; `saturated` says the run measured itself.
   */
  host: {
    harness: "in-process" | "child-process" | "external";
    eventLoopUtilization: number;
    cpu: number;
    /** The harness's own event-loop utilisation, when it runs in a child process. */
    harnessEventLoopUtilization?: number;
    saturated: boolean;
  };
  /** What was run: enough to repeat it, or to tell two reports apart. */
  settings: RunSettings;
  timeline: {
    slotMs: number;
    ok: number[];
    limited: number[];
    remaining: (number | null)[];
    /** Per Okta bucket, from the fake's journal: answered calls, 429s, lowest remaining budget, per slot. */
    buckets: Record<string, BucketSeries>;
  };
}

/** A harness running in another process: its URLs, and how to stop it. */
export interface HarnessProcess {
  adminUrl: string;
  mcpUrl: string;
  stop(): Promise<void>;
}

/** Where the load test's harness runs: in this process, in a child process, or not ours at all. */
async function openHarness(
  options: LoadtestOptions,
  fixture: object,
): Promise<(HarnessProcess & { where: "in-process" | "child-process" | "external" }) | undefined> {
  if (options.mcpUrl && options.adminUrl)
    return { adminUrl: options.adminUrl, mcpUrl: options.mcpUrl, stop: async () => {}, where: "external" };
  if (options.mcpUrl) return undefined;
  if (options.spawnHarness) return { ...(await options.spawnHarness()), where: "child-process" };
  const harness: Harness = await startHarness({ fixture, limits: options.limits });
  return {
    adminUrl: harness.okta.adminUrl,
    mcpUrl: harness.gateway.mcpUrl,
    stop: () => harness.close(),
    where: "in-process",
  };
}

/** The harness process's event-loop and CPU use, as its health endpoint reports them (cumulative). */
async function harnessLoad(
  adminUrl: string,
): Promise<{ idleMs: number; activeMs: number; cpuMs: number } | undefined> {
  try {
    return (
      await adminRequest<{ load?: { idleMs: number; activeMs: number; cpuMs: number } }>(
        `${adminUrl}/health`,
        "GET",
      )
    ).load;
  } catch {
    return undefined;
  }
}

export async function runLoadtest(given: LoadtestOptions): Promise<StrategyReport[]> {
  const fixture = { seed: given.seed, generate: { users: given.users, logs: 0 } };
  const harness = await openHarness(given, fixture);
  // A harness we did not start is measured against its own limits, as its admin API reports them.
  const options =
    harness?.where === "external"
      ? { ...given, limits: await adminRequest<RateLimitConfig>(`${harness.adminUrl}/limits`, "GET") }
      : given;
  const reports: StrategyReport[] = [];
  try {
    for (const strategy of options.strategies) {
      // A fresh org, fresh windows and an empty journal for each strategy, through the admin API.
      if (harness) await resetFake(harness.adminUrl, fixture, options.limits, options.faults);
      const mcpUrl = options.mcpUrl ?? harness?.mcpUrl ?? "";
      const started = performance.now();
      const eluBefore = performance.eventLoopUtilization();
      const cpuBefore = process.cpuUsage();
      const harnessBefore =
        harness?.where === "child-process" ? await harnessLoad(harness.adminUrl) : undefined;
      const results =
        options.workers > 1 && options.spawnWorker
          ? await Promise.all(
              Array.from(
                { length: options.workers },
                (_, index) =>
                  options.spawnWorker?.(
                    [
                      "--worker",
                      `${index}/${options.workers}`,
                      "--mcp-url",
                      mcpUrl,
                      "--strategy",
                      strategy,
                      "--concurrency",
                      String(Math.max(1, Math.floor(options.concurrency / options.workers))),
                      "--page-size",
                      String(options.pageSize),
                      ...(options.redisUrl ? ["--shared-limiter", options.redisUrl] : []),
                    ],
                    (done, total) => options.onProgress?.(strategy, done, total, index),
                  ) as Promise<LoopResult>,
              ),
            )
          : [
              await runAuditLoop({
                mcpUrl,
                strategy,
                concurrency: options.concurrency,
                pageSize: options.pageSize,
                redisUrl: options.redisUrl,
                onProgress: (done, total) => options.onProgress?.(strategy, done, total),
              }),
            ];
      // From the first worker ready to the last one done: spawning and connecting are not the audit.
      const timeMs = Math.round(
        Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt)),
      );
      const wallMs = performance.now() - started;
      const elu = performance.eventLoopUtilization(eluBefore).utilization;
      const cpuUsed = process.cpuUsage(cpuBefore);
      const cpu = (cpuUsed.user + cpuUsed.system) / 1000 / Math.max(1, wallMs);
      const harnessAfter = harnessBefore && harness ? await harnessLoad(harness.adminUrl) : undefined;
      const harnessElu =
        harnessBefore && harnessAfter
          ? (harnessAfter.activeMs - harnessBefore.activeMs) /
            Math.max(
              1,
              harnessAfter.activeMs - harnessBefore.activeMs + harnessAfter.idleMs - harnessBefore.idleMs,
            )
          : undefined;
      const round = (x: number) => Math.round(x * 1000) / 1000;
      const host = {
        harness: harness?.where ?? ("external" as const),
        eventLoopUtilization: round(elu),
        cpu: round(cpu),
        ...(harnessElu === undefined ? {} : { harnessEventLoopUtilization: round(harnessElu) }),
        // A loop busy 90% of the time cannot answer on time: the figures measure a process, not the limit.
        saturated: elu > 0.9 || cpu > 0.9 || (harnessElu ?? 0) > 0.9,
      };
      const journal = harness ? await readJournal(harness.adminUrl) : undefined;
      const settings: RunSettings = {
        paceline: pacelineVersion(),
        startedAt: new Date(performance.timeOrigin + started).toISOString(),
        node: process.version,
        users: options.users,
        concurrency: options.concurrency,
        workers: options.workers,
        pageSize: options.pageSize,
        seed: options.seed,
        limits: options.limits,
        faults: options.faults !== undefined,
        sharedLimiter: options.redisUrl !== undefined,
      };
      const report = { ...summarise(strategy, results, timeMs, options, journal), host, settings };
      reports.push(report);
      options.onReport?.(report);
    }
  } finally {
    await harness?.stop();
  }
  return reports;
}

function summarise(
  strategy: Strategy,
  results: LoopResult[],
  timeMs: number,
  options: LoadtestOptions,
  served?: JournalEntry[],
): Omit<StrategyReport, "host" | "settings"> {
  const sum = (pick: (r: LoopResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  const users = sum((r) => r.usersListed);
  const journal = served ?? [];
  const served429 = served ? journal.filter((e) => e.status === 429).length : sum((r) => r.rateLimited);
  const attempts = served ? journal.length : sum((r) => r.attempts);
  const bound = boundFor(options, users, Math.max(1, Math.min(...results.map((r) => r.minCallMs))));
  const slots = Math.max(...results.map((r) => r.timeline.ok.length), 0);
  const add = (key: "ok" | "limited") =>
    Array.from({ length: slots }, (_, i) => results.reduce((t, r) => t + (r.timeline[key][i] ?? 0), 0));
  const worst = results.reduce((a, b) => (b.latency.p99 > a.latency.p99 ? b : a));
  const failed = sum((r) => r.failed);
  const buckets = bucketTimelines(journal, slots, 250);
  return {
    strategy,
    users,
    timeMs,
    lowerBoundMs: Math.round(bound.lowerBoundMs),
    ratio: timeMs / bound.lowerBoundMs,
    bound,
    calls: sum((r) => r.calls),
    attempts,
    rateLimited: served429,
    clientRateLimited: sum((r) => r.rateLimited),
    retries: sum((r) => r.retries),
    wasted: attempts - (sum((r) => r.calls) - failed),
    failed,
    usersAudited: sum((r) => r.usersAudited),
    duplicates: sum((r) => r.duplicates),
    complete: sum((r) => r.usersAudited) === users && sum((r) => r.duplicates) === 0,
    latency: worst.latency,
    peakInFlight: sum((r) => r.peakInFlight),
    budget: windowUse(journal),
    timeline: {
      slotMs: 250,
      ok: add("ok"),
      limited: add("limited"),
      remaining: lowestRemaining(buckets, slots),
      buckets,
    },
  };
}

/** T* for this directory under these limits: the buckets the audit's calls fall in, per the fake's own matching. */
export function boundFor(
  options: Pick<LoadtestOptions, "limits" | "pageSize" | "concurrency">,
  users: number,
  latencyMs: number,
  /** Each worker lists every page (and audits its share). */
  workers = 1,
): Bound {
  const limiter = new RateLimiter(options.limits, { now: () => 0 });
  const calls = new Map<string, { limit: number; windowMs: number; calls: number }>();
  const pages = Math.max(1, Math.ceil(users / options.pageSize));
  for (const [path, count] of [
    ["/api/v1/users", pages * workers],
    ["/api/v1/users/x/roles", users],
    ["/api/v1/users/x/groups", users],
  ] as const) {
    const decision = limiter.peek("GET", path);
    const entry = calls.get(decision.bucket) ?? {
      limit: decision.limit,
      windowMs: decision.resetAt,
      calls: 0,
    };
    entry.calls += count;
    calls.set(decision.bucket, entry);
  }
  return lowerBound({
    users,
    pageSize: options.pageSize,
    callsPerUser: 2,
    concurrency: options.concurrency,
    latencyMs,
    buckets: [...calls].map(([name, b]) => ({ name, ...b })),
  });
}

function windowUse(journal: JournalEntry[]): WindowUse[] {
  const byBucket = new Map<string, Map<number, { used: number; limit: number }>>();
  for (const entry of journal) {
    if (!entry.rateLimit || entry.bucket === "unlimited" || entry.bucket === "concurrency") continue;
    const windows = byBucket.get(entry.bucket) ?? new Map();
    byBucket.set(entry.bucket, windows);
    const window = windows.get(entry.rateLimit.reset) ?? { used: 0, limit: entry.rateLimit.limit };
    if (entry.status !== 429) window.used++;
    windows.set(entry.rateLimit.reset, window);
  }
  return [...byBucket].map(([bucket, windows]) => {
    const uses = [...windows.values()].map((w) => w.used / Math.max(1, w.limit));
    return {
      bucket,
      windows: uses.length,
      meanUse: uses.reduce((a, b) => a + b, 0) / uses.length,
      peakUse: Math.max(...uses),
    };
  });
}

export interface BucketSeries {
  ok: number[];
  limited: number[];
  remaining: (number | null)[];
}

/** Per bucket and time slot: the calls Okta answered, the 429s it served, its lowest remaining budget. */
export function bucketTimelines(
  journal: JournalEntry[],
  clientSlots: number,
  slotMs: number,
): Record<string, BucketSeries> {
  if (journal.length === 0) return {};
  // The journal is in order of answers: a request that started earlier may have been answered later.
  const starts = journal.map((e) => e.startedAt);
  const start = Math.min(...starts);
  // Every request Okta saw, even one after the client's own timeline ends.
  const slots = Math.max(clientSlots, Math.floor((Math.max(...starts) - start) / slotMs) + 1);
  const buckets: Record<string, BucketSeries> = {};
  for (const entry of journal) {
    const i = Math.floor((entry.startedAt - start) / slotMs);
    const series = buckets[entry.bucket] ?? {
      ok: Array.from({ length: slots }, () => 0),
      limited: Array.from({ length: slots }, () => 0),
      remaining: Array.from({ length: slots }, () => null),
    };
    buckets[entry.bucket] = series;
    if (entry.status === 429) series.limited[i] = (series.limited[i] ?? 0) + 1;
    else series.ok[i] = (series.ok[i] ?? 0) + 1;
    if (entry.rateLimit)
      series.remaining[i] = Math.min(
        series.remaining[i] ?? Number.POSITIVE_INFINITY,
        entry.rateLimit.remaining,
      );
  }
  return buckets;
}

/** The lowest remaining budget the fake Okta reported in each time slot, over its limited buckets. */
function lowestRemaining(buckets: Record<string, BucketSeries>, slots: number): (number | null)[] {
  const limited = Object.entries(buckets).filter(([name]) => name !== "unlimited");
  if (limited.length === 0) return [];
  return Array.from({ length: slots }, (_, i) =>
    limited.reduce<number | null>((low, [, series]) => {
      const value = series.remaining[i];
      return value === null || value === undefined ? low : Math.min(low ?? value, value);
    }, null),
  );
}

/**
 * Spawns `node <cli> loadtest …args`: its progress lines (`{"progress":[done,total]}`) as they come,
 * then its one-line JSON result, the last line.
 */
export function nodeWorker(
  cliPath: string,
): (args: string[], onProgress?: (done: number, total: number) => void) => Promise<LoopResult> {
  return (args, onProgress) =>
    new Promise<LoopResult>((resolve, reject) => {
      const child = track(
        spawn(process.execPath, [cliPath, "loadtest", ...args], { stdio: ["ignore", "pipe", "pipe"] }),
      );
      const lines = createInterface({ input: child.stdout });
      let last = "";
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
      });
      lines.on("line", (line) => {
        if (line.startsWith('{"progress":')) {
          const [done, total] = (JSON.parse(line) as { progress: [number, number] }).progress;
          onProgress?.(done, total);
        } else if (line.trim()) last = line;
      });
      child.once("error", reject);
      child.once("close", (code, signal) => {
        if (code === 0) resolve(JSON.parse(last || "{}") as LoopResult);
        else
          reject(new Error(`a load-test worker exited (${signal ?? code}): ${stderr.trim() || "no output"}`));
      });
    });
}

/** Starts `paceline serve` (the CLI at `cliPath`) in a child process for the load test's harness. */
export function nodeHarness(cliPath: string): () => Promise<HarnessProcess> {
  return async () => {
    const child = track(
      spawn(process.execPath, [cliPath, "serve", "--json", "--users", "0", "--limits", "none"], {
        stdio: ["ignore", "pipe", "inherit"],
      }),
    );
    const line = await new Promise<string>((resolve, reject) => {
      let buffered = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const newline = buffered.indexOf("\n");
        if (newline >= 0) resolve(buffered.slice(0, newline));
      });
      child.once("exit", (code) =>
        reject(new Error(`the harness process exited (${code}) before it listened`)),
      );
    });
    const summary = JSON.parse(line) as { adminUrl: string; mcpUrl: string };
    return {
      adminUrl: summary.adminUrl,
      mcpUrl: summary.mcpUrl,
      stop: async () => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      },
    };
  };
}
