import type { PolicyEvent } from "../../client/backoff/pacing-core.js";
import type { RetryOptions } from "../../client/backoff/retry-policy.js";
import { type AttemptAnswer, CallEngine, type SharedBudget } from "../../client/engine/call-engine.js";
import type { RateLimitConfig } from "../fake-okta/rate-limits.js";
import { Rng } from "../fake-okta/rng.js";
import type { Bound } from "../loadtest/lower-bound.js";
import { boundFor } from "../loadtest/run-loadtest.js";
import { EventLoop } from "./event-loop.js";
import { type ModelCounts, type ModelOptions, OktaModel } from "./okta-model.js";
import { VirtualRedis } from "./virtual-redis.js";

/**
 * One audit in virtual time: every worker lists the users page by page (each cursor waits for the
 * page before it), then calls two tools per user of its share (`user % workers`), `concurrency`
 * calls at a time. Deterministic from the seed.
 */
export interface AuditCell {
  name: string;
  users: number;
  pageSize?: number;
  limits: RateLimitConfig;
  latencyMs: number;
  /** Latency spread: `latencyMs × (1 ± jitter)`, uniform. */
  jitter?: number;
  /** A long tail: this share of round trips takes 5× as long. */
  tailShare?: number;
  /** The share of each round trip spent at Okta holding a concurrency slot (default 0.5). */
  serverShare?: number;
  /** CPU per call on one event loop, served one at a time (see `ModelOptions.serviceMs`). */
  serviceMs?: number;
  /** Calls in flight per worker (the client's cap and the loop's). */
  concurrency: number;
  workers?: number;
  /** Workers share one budget through the shared (Redis) limiter, or each paces alone. */
  sharedLimiter?: boolean;
  stormShare?: number;
  /** The gateway's `rate_limit_reporting` and `rate_limit_mode`. */
  reporting?: ModelOptions["reporting"];
  rateLimitMode?: ModelOptions["rateLimitMode"];
  /** Another client on the same org, unpaced: this many calls per second on the audit's buckets. */
  competitorPerSecond?: number;
  strategy?: "paced" | "retry-only";
  /** Tool names as the gateway calls them; the client knows none of them. */
  tools?: { list: string; roles: string; groups: string };
  seed?: number;
  /** Virtual time after which the run is called stuck. */
  limitMs?: number;
  onPolicy?: (event: PolicyEvent) => void;
  retry?: RetryOptions;
}

export interface AuditOutcome {
  cell: string;
  strategy: string;
  seed: number;
  timeMs: number;
  bound: Bound;
  ratio: number;
  attempts: number;
  rateLimited: number;
  /** 429s as a share of attempts. */
  share429: number;
  failed: number;
  complete: boolean;
  finished: boolean;
  server: ModelCounts;
}

const DEFAULT_TOOLS = { list: "list_everyone", roles: "who_can_do_what", groups: "memberships_of" };

/** Every simulated call is a read (the audit's), so any failure may be retried. */
const READ = { readOnly: true, idempotent: true };

/**
 * paceline's call engine — the one `PacedClient` runs — in virtual time, with the simulated Okta
 * as its transport. Tools are named by the caller, so a cell can use names the client has never
 * seen; which share a budget is learnt, as in the real client.
 */
function engineFor(server: OktaModel, loop: EventLoop, cell: AuditCell, rng: Rng, shared?: SharedBudget) {
  const engine = new CallEngine({
    timers: loop.timers(),
    maxConcurrent: cell.concurrency,
    pacing: (cell.strategy ?? "paced") === "paced",
    learnBuckets: true,
    // Shared buckets stay paced, as in the real client.
    freeAbove: shared ? Number.POSITIVE_INFINITY : undefined,
    retry: cell.retry,
    random: () => rng.next(),
    shared,
    onPolicy: cell.onPolicy,
  });
  const call = (tool: string, method: string, path: string, done: (ok: boolean) => void): void => {
    engine
      .run<boolean>({
        tool,
        bucket: tool,
        safety: READ,
        send: () =>
          new Promise<AttemptAnswer<boolean>>((resolve) =>
            server.request(method, path, (answer) =>
              resolve({
                value: true,
                answered: true,
                signal: answer.signal,
                failure:
                  answer.status === 200
                    ? undefined
                    : {
                        kind: "rate_limited",
                        waitMs: answer.signal?.retryAfterMs ?? answer.signal?.resetMs,
                        concurrency: answer.kind === "concurrency",
                      },
              }),
            ),
          ),
        giveUp: (_last, why) => {
          throw new Error(why);
        },
      })
      .then(
        () => done(true),
        () => done(false),
      );
  };
  return { engine, call };
}

export async function simulateAudit(cell: AuditCell): Promise<AuditOutcome> {
  const seed = cell.seed ?? 1;
  const pageSize = cell.pageSize ?? 200;
  const workers = cell.workers ?? 1;
  const tools = cell.tools ?? DEFAULT_TOOLS;
  const rng = new Rng(seed);
  const loop = new EventLoop(1_795_867_200_123 + rng.int(1000));
  const start = loop.now;
  // Periodic windows sit on a grid whose phase the client cannot know: drawn from the seed.
  const limits =
    cell.limits.windowModel === "periodic" && cell.limits.windowPhaseMs === undefined
      ? { ...cell.limits, windowPhaseMs: rng.int(cell.limits.windowMs) }
      : cell.limits;
  const server = new OktaModel(
    loop,
    {
      limits,
      latencyMs: cell.latencyMs,
      jitter: cell.jitter,
      tailShare: cell.tailShare,
      serverShare: cell.serverShare,
      serviceMs: cell.serviceMs,
      stormShare: cell.stormShare,
      reporting: cell.reporting,
      rateLimitMode: cell.rateLimitMode,
    },
    new Rng(seed + 1),
  );
  const redis = cell.sharedLimiter ? new VirtualRedis(loop) : undefined;
  const audited = new Uint8Array(cell.users);
  let lastDone = start;
  let finishedWorkers = 0;
  const clients: ReturnType<typeof engineFor>[] = [];
  for (let w = 0; w < workers; w++) {
    const client = engineFor(server, loop, cell, new Rng(seed + 10 + w), redis?.budget());
    clients.push(client);
    runWorker(client, w);
  }
  if (cell.competitorPerSecond) competitor(cell.competitorPerSecond);

  function runWorker(client: ReturnType<typeof engineFor>, worker: number): void {
    const work: number[] = [];
    let outstanding = 0;
    let listed = false;
    const settle = () => {
      lastDone = loop.now;
      if (listed && work.length === 0 && outstanding === 0) finishedWorkers++;
    };
    const pump = () => {
      while (outstanding < cell.concurrency && work.length > 0) {
        const user = work.shift() as number;
        for (const tool of [tools.roles, tools.groups]) {
          outstanding++;
          const path =
            tool === tools.roles ? `/api/v1/users/u${user}/roles` : `/api/v1/users/u${user}/groups`;
          client.call(tool, "GET", path, (ok) => {
            outstanding--;
            if (ok) audited[user] = (audited[user] ?? 0) + 1;
            pump();
            settle();
          });
        }
      }
    };
    const page = (first: number) => {
      client.call(tools.list, "GET", "/api/v1/users", (ok) => {
        if (!ok) {
          listed = true;
          return settle();
        }
        const end = Math.min(cell.users, first + pageSize);
        for (let user = first; user < end; user++) if (user % workers === worker) work.push(user);
        if (end < cell.users) page(end);
        else listed = true;
        pump();
        settle();
      });
    };
    page(0);
  }

  /** Another client on the org that ignores every limit: its calls spend the audit's buckets. */
  function competitor(perSecond: number): void {
    const gap = 1000 / perSecond;
    const tick = () => {
      if (finishedWorkers >= workers) return;
      server.request("GET", "/api/v1/users/other/roles", () => {});
      loop.after(gap, tick);
    };
    loop.after(gap, tick);
  }

  const finished = await loop.run(start + (cell.limitMs ?? 3_600_000));
  const timeMs = lastDone - start;
  const bound = auditBound(cell);
  const attempts = clients.reduce((sum, c) => sum + c.engine.stats().attempts, 0);
  const rateLimited = clients.reduce((sum, c) => sum + c.engine.stats().rateLimited, 0);
  return {
    cell: cell.name,
    strategy: cell.strategy ?? "paced",
    seed,
    timeMs,
    bound,
    ratio: timeMs / bound.lowerBoundMs,
    attempts,
    rateLimited,
    share429: rateLimited / Math.max(1, attempts),
    failed: clients.reduce((sum, c) => sum + c.engine.stats().failed, 0),
    complete: audited.every((count) => count === 2),
    finished,
    server: server.counts,
  };
}

/**
 * T* from the limits config, as the load test computes it: all workers' calls in flight together.
 * A competitor's spend comes off the budget first.
 */
export function auditBound(cell: AuditCell): Bound {
  const workers = cell.workers ?? 1;
  const windowS = cell.limits.windowMs / 1000;
  const spent = (cell.competitorPerSecond ?? 0) * windowS;
  const limits = spent
    ? {
        ...cell.limits,
        buckets: cell.limits.buckets.map((rule) =>
          rule.name === "other" ? { ...rule, limit: Math.max(1, Math.floor(rule.limit - spent)) } : rule,
        ),
      }
    : cell.limits;
  return boundFor(
    { limits, pageSize: cell.pageSize ?? 200, concurrency: cell.concurrency * workers },
    cell.users,
    cell.latencyMs,
    workers,
  );
}
