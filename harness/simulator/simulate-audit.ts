import type { PolicyEvent } from "../../client/backoff/pacing-core.js";
import type { RetryOptions } from "../../client/backoff/retry-policy.js";
import { type AttemptAnswer, CallEngine } from "../../client/engine/call-engine.js";
import type { RateLimitConfig } from "../fake-okta/rate-limits.js";
import { Rng } from "../fake-okta/rng.js";
import type { Bound } from "../loadtest/lower-bound.js";
import { boundFor } from "../loadtest/run-loadtest.js";
import { EventLoop } from "./event-loop.js";
import { type ModelCounts, OktaModel } from "./okta-model.js";

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
  /** Calls in flight per worker (the client's cap and the loop's). */
  concurrency: number;
  workers?: number;
  stormShare?: number;
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
function engineFor(loop: EventLoop, server: OktaModel, cell: AuditCell, rng: Rng) {
  const engine = new CallEngine({
    timers: loop.timers(),
    maxConcurrent: cell.concurrency,
    pacing: (cell.strategy ?? "paced") === "paced",
    learnBuckets: true,
    retry: cell.retry,
    random: () => rng.next(),
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
                        waitMs: answer.signal.resetMs,
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
  const server = new OktaModel(
    loop,
    { limits: cell.limits, latencyMs: cell.latencyMs, stormShare: cell.stormShare },
    new Rng(seed + 1),
  );
  const audited = new Uint8Array(cell.users);
  let lastDone = start;
  const clients: ReturnType<typeof engineFor>[] = [];
  for (let w = 0; w < workers; w++) {
    const client = engineFor(loop, server, cell, new Rng(seed + 10 + w));
    clients.push(client);
    runWorker(client, w);
  }

  function runWorker(client: ReturnType<typeof engineFor>, worker: number): void {
    const work: number[] = [];
    let outstanding = 0;
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
            lastDone = loop.now;
            pump();
          });
        }
      }
    };
    const page = (first: number) => {
      client.call(tools.list, "GET", "/api/v1/users", (ok) => {
        lastDone = loop.now;
        if (!ok) return;
        const end = Math.min(cell.users, first + pageSize);
        for (let user = first; user < end; user++) if (user % workers === worker) work.push(user);
        if (end < cell.users) page(end);
        pump();
      });
    };
    page(0);
  }

  const finished = await loop.run(start + (cell.limitMs ?? 3_600_000));
  const timeMs = lastDone - start;
  const bound = auditBound(cell);
  const attempts = clients.reduce((sum, c) => sum + c.engine.stats().attempts, 0);
  const rateLimited = server.counts.bucket429 + server.counts.concurrency429 + server.counts.storm429;
  return {
    cell: cell.name,
    strategy: cell.strategy ?? "paced",
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

/** T* from the limits config, as the load test computes it: all workers' calls in flight together. */
export function auditBound(cell: AuditCell): Bound {
  const workers = cell.workers ?? 1;
  return boundFor(
    { limits: cell.limits, pageSize: cell.pageSize ?? 200, concurrency: cell.concurrency * workers },
    cell.users,
    cell.latencyMs,
    workers,
  );
}
