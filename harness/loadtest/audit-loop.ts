import * as hdr from "hdr-histogram-js";
import pLimit from "p-limit";
import { connect, RateLimitedError } from "../../client/index.js";

/**
 * One process's audit loop through paceline's client: list every user (following next_cursor),
 * then each user's roles and groups, `concurrency` calls at a time. Keeps per-user tallies and a
 * per-250 ms timeline, never the users themselves, so memory follows the results, not the directory.
 */
export type Strategy = "paced" | "retry-only" | "none";
export const STRATEGIES: Strategy[] = ["paced", "retry-only", "none"];

export interface LoopOptions {
  mcpUrl: string;
  strategy: Strategy;
  concurrency: number;
  pageSize: number;
  /** This process audits users whose position modulo `of` is `index`. */
  worker?: { index: number; of: number };
  redisUrl?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface LoopResult {
  strategy: Strategy;
  timeMs: number;
  /**
   * When the audit began (connected, ready) and ended, in epoch ms to the sub-millisecond: the
   * load test's time runs from the first worker's start to the last one's end, process start-up
   * left out.
   */
  startedAt: number;
  endedAt: number;
  usersListed: number;
  usersAudited: number;
  /** Users audited more than once (a tool succeeded twice for them). */
  duplicates: number;
  calls: number;
  attempts: number;
  rateLimited: number;
  retries: number;
  failed: number;
  pages: number;
  /** The fastest call (ms): the per-call latency d of the lower bound. */
  minCallMs: number;
  peakInFlight: number;
  /** Call latencies (ms), as seen by the caller: pacing waits and retries included. */
  latency: { p50: number; p95: number; p99: number; max: number };
  /** Per 250 ms since start: calls done, 429s met. */
  timeline: { ok: number[]; limited: number[] };
}

const SLOT_MS = 250;

export async function runAuditLoop(options: LoopOptions): Promise<LoopResult> {
  const client = await connect(options.mcpUrl, {
    limiter: {
      maxConcurrent: options.concurrency,
      pacing: options.strategy === "paced",
      ...(options.redisUrl ? { redis: { url: options.redisUrl, keyPrefix: "loadtest" } } : {}),
    },
    retry: options.strategy === "none" ? { retries: 0 } : { baseDelayMs: 100 },
  });
  const started = performance.now();
  const slot = () => Math.floor((performance.now() - started) / SLOT_MS);
  const timeline = { ok: [] as number[], limited: [] as number[] };
  const bump = (series: number[]) => {
    const i = slot();
    series[i] = (series[i] ?? 0) + 1;
  };
  client.on("rateLimited", () => bump(timeline.limited));
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000,
    numberOfSignificantValueDigits: 3,
  });
  const tallies = new Map<string, number>();
  const limit = pLimit(options.concurrency);
  let inFlight = 0;
  let peakInFlight = 0;
  let failed = 0;
  let usersListed = 0;
  let pending = 0;
  let done = 0;
  // Listing runs ahead of auditing by at most a few pages' worth of calls, so memory follows the
  // concurrency, not the directory.
  const maxQueued = Math.max(options.pageSize * 2, options.concurrency * 4);
  let drained: (() => void) | undefined;

  const call = (tool: string, userId: string) => {
    pending++;
    void limit(async () => {
      // Once a call has failed for good (the server is gone), the rest are not worth sending.
      if (failure) {
        pending--;
        drained?.();
        return;
      }
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      const t0 = performance.now();
      try {
        const result = await client.callTool(tool, { userId });
        if (result.isError) failed++;
        else {
          tallies.set(userId, (tallies.get(userId) ?? 0) + 1);
          bump(timeline.ok);
        }
      } catch (error) {
        if (!(error instanceof RateLimitedError) && options.strategy !== "none") throw error;
        failed++;
      } finally {
        histogram.recordValue(Math.max(1, Math.round(performance.now() - t0)));
        inFlight--;
        pending--;
        done++;
        options.onProgress?.(done / 2, usersListed);
        drained?.();
      }
    }).catch((error: unknown) => {
      failure ??= error;
    });
  };
  let failure: unknown;
  const waitUntil = async (ok: () => boolean) => {
    while (!ok()) await new Promise<void>((resolve) => (drained = resolve));
  };

  try {
    let position = 0;
    for await (const user of client.paginate<{ id: string }>("list_all_okta_users", {
      limit: options.pageSize,
    })) {
      if (failure) break;
      const mine = !options.worker || position % options.worker.of === options.worker.index;
      position++;
      if (!mine) continue;
      usersListed++;
      call("list_all_okta_user_roles", user.id);
      call("list_all_okta_user_groups", user.id);
      if (pending > maxQueued) await waitUntil(() => pending <= maxQueued / 2);
    }
    await waitUntil(() => pending === 0);
    if (failure) throw failure;
  } finally {
    await client.close();
  }
  const stats = client.stats();
  let usersAudited = 0;
  let duplicates = 0;
  for (const count of tallies.values()) {
    if (count === 2) usersAudited++;
    else if (count > 2) duplicates++;
  }
  const ended = performance.now();
  return {
    strategy: options.strategy,
    timeMs: Math.round(ended - started),
    startedAt: performance.timeOrigin + started,
    endedAt: performance.timeOrigin + ended,
    usersListed,
    usersAudited,
    duplicates,
    calls: stats.calls,
    attempts: stats.attempts,
    rateLimited: stats.rateLimited,
    retries: stats.retries,
    failed,
    pages: stats.pages,
    minCallMs: histogram.minNonZeroValue,
    peakInFlight,
    latency: {
      p50: histogram.getValueAtPercentile(50),
      p95: histogram.getValueAtPercentile(95),
      p99: histogram.getValueAtPercentile(99),
      max: histogram.maxValue,
    },
    timeline: {
      ok: Array.from(timeline.ok, (v) => v ?? 0),
      limited: Array.from(timeline.limited, (v) => v ?? 0),
    },
  };
}
