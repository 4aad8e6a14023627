import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import okta from "@okta/okta-sdk-nodejs";
import Bottleneck from "bottleneck";
import pLimit from "p-limit";
import pRetry, { AbortError } from "p-retry";
import type { RateLimitConfig } from "../harness/fake-okta/rate-limits.js";

/**
 * The same audit (list every user, then each user's roles and groups, `concurrency` at a time)
 * done the ways others do it, for `bench:audit` to compare against paceline:
 * - `okta-sdk`: `@okta/okta-sdk-nodejs` against the fake Okta directly, with its own 429 retry
 *   (X-Rate-Limit-Reset − Date + 1 s; rate-limits.md §3.2), retries raised so it can finish.
 * - `fixed-spacing`: @octokit/plugin-throttling's approach (rate-limits.md §3.1): bottleneck
 *   `minTime` from the published limit, no header reading; a 429 waits its reset + 1 s and retries.
 * - `naive-burst`: no pacing at all, against the fake Okta directly: `concurrency` calls at a time
 *   and p-retry around each, waiting out a 429 until `X-Rate-Limit-Reset − Date + 1 s` (Okta's
 *   advice, rate-limits.md §2.4) before the next try. The plain client most teams write first.
 */
export interface AnchorResult {
  usersListed: number;
  usersAudited: number;
  failed: number;
  /** The fastest call (ms): d of the lower bound. */
  minCallMs: number;
}

export async function oktaSdkAudit(
  oktaUrl: string,
  token: string,
  concurrency: number,
  pageSize: number,
): Promise<AnchorResult> {
  const executor = new okta.DefaultRequestExecutor({ maxRetries: 20, requestTimeout: 0 });
  const client = new okta.Client({
    orgUrl: oktaUrl,
    token,
    cacheMiddleware: null,
    requestExecutor: executor,
  });
  const limit = pLimit(concurrency);
  const tally = new Map<string, number>();
  let failed = 0;
  let minCallMs = Number.POSITIVE_INFINITY;
  const timed = async (call: () => Promise<void>) => {
    const started = performance.now();
    try {
      await call();
    } catch {
      failed++;
      return;
    }
    minCallMs = Math.min(minCallMs, performance.now() - started);
  };
  const work: Promise<void>[] = [];
  let listed = 0;
  for await (const user of await client.userApi.listUsers({ limit: pageSize })) {
    const id = user?.id as string;
    listed++;
    const done = () => tally.set(id, (tally.get(id) ?? 0) + 1);
    work.push(
      limit(() =>
        timed(async () => {
          for await (const _ of await client.roleAssignmentApi.listAssignedRolesForUser({ userId: id })) {
            // reading every page is the call
          }
          done();
        }),
      ),
      limit(() =>
        timed(async () => {
          for await (const _ of await client.userApi.listUserGroups({ userId: id })) {
            // reading every page is the call
          }
          done();
        }),
      ),
    );
  }
  await Promise.all(work);
  return {
    usersListed: listed,
    usersAudited: [...tally.values()].filter((n) => n === 2).length,
    failed,
    minCallMs,
  };
}

/** Octokit's spacing: one call every W/L of the busiest bucket the audit uses (Okta's "other"). */
function spacingMs(limits: RateLimitConfig): number {
  const other = limits.buckets.find((b) => b.name === "other");
  if (!other) return 0;
  return (other.windowMs ?? limits.windowMs) / other.limit;
}

export async function fixedSpacingAudit(
  mcpUrl: string,
  limits: RateLimitConfig,
  concurrency: number,
  pageSize: number,
): Promise<AnchorResult> {
  const client = new Client({ name: "fixed-spacing", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  const spacing = new Bottleneck({ maxConcurrent: concurrency, minTime: spacingMs(limits) });
  let minCallMs = Number.POSITIVE_INFINITY;
  let failed = 0;
  const call = async (name: string, args: Record<string, unknown>) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const started = performance.now();
      const result = await spacing.schedule(() => client.callTool({ name, arguments: args }));
      const envelope = (result.structuredContent ?? {}) as { statusCode?: number };
      if (!result.isError) {
        minCallMs = Math.min(minCallMs, performance.now() - started);
        return result;
      }
      if (envelope.statusCode !== 429) break;
      const meta = (result._meta as { ratelimit?: { reset?: number } } | undefined)?.ratelimit;
      await new Promise((resolve) => setTimeout(resolve, ((meta?.reset ?? 1) + 1) * 1000));
    }
    failed++;
    return undefined;
  };
  const users: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await call("list_all_okta_users", {
      limit: pageSize,
      ...(cursor ? { next_cursor: cursor } : {}),
    });
    const body = (page?.structuredContent ?? {}) as {
      result?: { id: string }[];
      next_cursor?: string | null;
    };
    users.push(...(body.result ?? []).map((u) => u.id));
    cursor = body.next_cursor ?? undefined;
  } while (cursor);
  const tally = new Map<string, number>();
  await Promise.all(
    users.flatMap((userId) =>
      ["list_all_okta_user_roles", "list_all_okta_user_groups"].map(async (tool) => {
        if (await call(tool, { userId })) tally.set(userId, (tally.get(userId) ?? 0) + 1);
      }),
    ),
  );
  await client.close();
  return {
    usersListed: users.length,
    usersAudited: [...tally.values()].filter((n) => n === 2).length,
    failed,
    minCallMs,
  };
}

/** A 429 from Okta, with how long its headers say to wait. */
class RateLimited extends Error {
  constructor(readonly waitMs: number) {
    super("429");
  }
}

/** Okta's advice: wait until X-Rate-Limit-Reset (epoch seconds) − Date, plus a second. */
function resetWaitMs(headers: Headers): number {
  const reset = Number(headers.get("x-rate-limit-reset"));
  const date = Date.parse(headers.get("date") ?? "");
  if (!Number.isFinite(reset) || Number.isNaN(date)) return 1000;
  return Math.max(0, reset * 1000 - date) + 1000;
}

export async function naiveBurstAudit(
  oktaUrl: string,
  token: string,
  concurrency: number,
  pageSize: number,
): Promise<AnchorResult> {
  let minCallMs = Number.POSITIVE_INFINITY;
  let failed = 0;
  const get = (url: string) =>
    pRetry(
      async () => {
        const started = performance.now();
        const response = await fetch(url, {
          headers: { authorization: `SSWS ${token}`, accept: "application/json" },
        });
        if (response.status === 429) {
          await response.arrayBuffer();
          throw new RateLimited(resetWaitMs(response.headers));
        }
        if (!response.ok) throw new AbortError(`HTTP ${response.status}`);
        const body = (await response.json()) as unknown;
        minCallMs = Math.min(minCallMs, performance.now() - started);
        return { body, link: response.headers.get("link") ?? "" };
      },
      {
        retries: 20,
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: async ({ error }) => {
          if (error instanceof RateLimited) await new Promise((resolve) => setTimeout(resolve, error.waitMs));
        },
      },
    );
  const users: string[] = [];
  for (let url: string | undefined = `${oktaUrl}/api/v1/users?limit=${pageSize}`; url; ) {
    const page = await get(url);
    users.push(...(page.body as { id: string }[]).map((u) => u.id));
    url = /<([^>]+)>; rel="next"/.exec(page.link)?.[1];
  }
  const limit = pLimit(concurrency);
  const tally = new Map<string, number>();
  await Promise.all(
    users.flatMap((userId) =>
      ["roles", "groups"].map((what) =>
        limit(async () => {
          try {
            await get(`${oktaUrl}/api/v1/users/${userId}/${what}`);
            tally.set(userId, (tally.get(userId) ?? 0) + 1);
          } catch {
            failed++;
          }
        }),
      ),
    ),
  );
  return {
    usersListed: users.length,
    usersAudited: [...tally.values()].filter((n) => n === 2).length,
    failed,
    minCallMs,
  };
}
