import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { RateLimitConfig } from "../harness/fake-okta/rate-limits.js";
import { type Harness, startHarness } from "../harness/start.js";
import { connect, type PacedClient } from "./index.js";

/**
 * The pacing policy against the real harness where it used to break (issue #9): above the org's
 * concurrency limit, a late 200 after a short 429 on a 60 s window, and a gateway that dies.
 */
let harness: Harness | undefined;
let client: PacedClient | undefined;
afterEach(async () => {
  await client?.close();
  await harness?.close();
  client = undefined;
  harness = undefined;
});

type User = { id: string };

async function auditRoles(paced: PacedClient): Promise<number> {
  const users = await paced.listAll<User>("list_all_okta_users", { limit: 200 });
  const results = await Promise.all(
    users.map((user) => paced.callTool("list_all_okta_user_roles", { userId: user.id })),
  );
  return results.filter((r) => !r.isError).length;
}

describe("pacing against the harness", () => {
  it("above the org's concurrency limit: fewer in flight, every call answered, the budget untouched", {
    timeout: 60_000,
  }, async () => {
    // Okta answers a concurrency 429 with Limit 0 and Remaining 0 (okta-api.md §3); 4 allowed, 8 sent.
    const limits: RateLimitConfig = { windowMs: 60_000, concurrency: 4, buckets: [] };
    harness = await startHarness({
      fixture: { seed: 11, generate: { users: 150, logs: 0 } },
      limits,
      faults: { rules: [{ path: "/api/v1/users/*/roles", action: { type: "latency", ms: 40 } }] },
    });
    client = await connect(harness.gateway.mcpUrl, { limiter: { maxConcurrent: 8 } });
    const audited = await auditRoles(client);
    const expected = harness.okta.state.org.users.filter((u) => u.status !== "DEPROVISIONED").length;
    expect(audited).toBe(expected);
    const journal = harness.okta.state.journal.list();
    const concurrency429 = journal.filter((e) => e.status === 429 && e.bucket === "concurrency").length;
    // The storm of refusals that collapsed the old client happened, and was answered by a lower cap.
    expect(concurrency429).toBeGreaterThan(0);
    expect(client.stats().concurrencyCap).toBeLessThan(8);
    // Hand-worked: at 4 in flight and 40 ms a call, ~150 calls need ≥ 1.5 s; the old client took 61 s
    // (one call per window). Each refused call was retried, never failed.
    const roleCalls = journal.filter((e) => e.path.endsWith("/roles"));
    expect(roleCalls.filter((e) => e.status === 200)).toHaveLength(expected);
    const span = (roleCalls.at(-1)?.startedAt ?? 0) - (roleCalls[0]?.startedAt ?? 0);
    expect(span).toBeLessThan(30_000);
  });

  it("a late 200 after a short 429 does not push the refill to the end of a 60 s window", {
    timeout: 90_000,
  }, async () => {
    // Okta's budgets and 60 s windows; three injected 429s with a 1.5 s reset on the roles calls.
    harness = await startHarness({
      fixture: { seed: 12, generate: { users: 60, logs: 0 } },
      limits: "okta",
      faults: {
        rules: [
          {
            path: "/api/v1/users/*/roles",
            everyNth: 7,
            times: 3,
            action: { type: "status", status: 429, resetMs: 1500 },
          },
        ],
      },
    });
    client = await connect(harness.gateway.mcpUrl, { limiter: { maxConcurrent: 8 } });
    const audited = await auditRoles(client);
    const expected = harness.okta.state.org.users.filter((u) => u.status !== "DEPROVISIONED").length;
    expect(audited).toBe(expected);
    const journal = harness.okta.state.journal.list();
    expect(journal.filter((e) => e.faults.length > 0 && e.status === 429)).toHaveLength(3);
    // The window is 60 s; the old client waited for its end (bursts 61 s apart). Every call here
    // was served within the first window.
    const span = (journal.at(-1)?.startedAt ?? 0) - (journal[0]?.startedAt ?? 0);
    expect(span).toBeLessThan(30_000);
  });
});

const run = promisify(execFile);
const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");

describe("paceline loadtest when the gateway dies", () => {
  it("exits non-zero, naming the server, instead of hanging or exiting 0", { timeout: 60_000 }, async () => {
    harness = await startHarness({
      fixture: { seed: 13, generate: { users: 400, logs: 0 } },
      limits: "tight",
    });
    const running = run(
      process.execPath,
      [
        CLI,
        "loadtest",
        "--mcp-url",
        harness.gateway.mcpUrl,
        "--admin-url",
        harness.okta.adminUrl,
        "--strategy",
        "paced",
        "--users",
        "400",
      ],
      { timeout: 50_000 },
    );
    // The gateway goes once the audit's calls are flowing (not after a fixed time: a busy machine
    // may still be setting up), so the failure is the MCP client's.
    const okta = harness.okta;
    for (let i = 0; i < 600 && okta.state.journal.list({ pathPrefix: "/api/v1/users/" }).length < 20; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const origin = new URL(harness.gateway.mcpUrl).origin;
    await harness.close();
    harness = undefined;
    const outcome = await running.then(
      () => ({ code: 0, stderr: "" }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? "" }),
    );
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(origin);
  });
});
