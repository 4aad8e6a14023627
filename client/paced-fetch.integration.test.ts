import { afterEach, describe, expect, it } from "vitest";
import { FRAMEWORKS, roleAudit, sdkClient, type ToolResult } from "../bench/framework-clients.js";
import { LIMIT_PRESETS } from "../harness/fake-okta/rate-limits.js";
import { type Harness, startHarness } from "../harness/start.js";
import { pacedFetch } from "./paced-fetch.js";

/**
 * pacedFetch inside frameworks' own MCP clients (no paceline client around them): the same role
 * audit with and without it, and the fake Okta's journal as the judge of how many 429s were served.
 */
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/**
 * `tight` with half its "other" budget (30 calls a second): an unpaced 16-wide audit overruns it
 * even on a machine so busy that each call takes tens of milliseconds, so the bare run's 429s do
 * not depend on how idle the machine is.
 */
const HALF_TIGHT = {
  ...LIMIT_PRESETS.tight,
  buckets: LIMIT_PRESETS.tight.buckets.map((rule) => (rule.name === "other" ? { ...rule, limit: 30 } : rule)),
};

const served429s = (h: Harness) => h.okta.state.journal.list({ status: 429 }).length;

describe("pacedFetch inside frameworks' own MCP clients", () => {
  const cases = Object.keys(FRAMEWORKS).flatMap((framework) =>
    (["tool_result", "http_429"] as const).map((mode) => ({ framework, mode })),
  );
  it.each(cases)(
    "$framework: a 150-user role audit at 30 calls a second ($mode): without it the agent sees 429s; with it none, and fewer are served",
    async ({ framework, mode }) => {
      const run = async (paced: boolean) => {
        harness = await startHarness({
          fixture: { seed: 3, generate: { users: 150, logs: 0 } },
          limits: HALF_TIGHT,
          mcpServer: { name: "audit", config: { rate_limit_mode: mode } },
        });
        const fetch = paced ? pacedFetch() : undefined;
        const client = await FRAMEWORKS[framework]?.(harness.gateway.mcpUrl, fetch);
        if (!client) throw new Error(`no framework ${framework}`);
        let outcome: { users: number; errors: number; thrown?: number };
        try {
          outcome = await roleAudit(client);
        } catch {
          // In http_429 mode the client throws on the first 429 it meets.
          outcome = { users: 0, errors: 0, thrown: 1 };
        }
        const served = served429s(harness);
        await client.close();
        await fetch?.close();
        await harness.close();
        harness = undefined;
        return { ...outcome, served, stats: fetch?.stats() };
      };
      const bare = await run(false);
      const paced = await run(true);
      // Without pacing the 16-wide audit overruns the bucket and the SDK hands the 429s on.
      expect(bare.served).toBeGreaterThan(0);
      expect(bare.errors + (bare.thrown ?? 0)).toBeGreaterThan(0);
      // With pacedFetch: every call answered, and the 429s it met were its own to absorb.
      expect(paced).toMatchObject({ errors: 0 });
      expect(paced.users).toBeGreaterThan(140);
      expect(paced.served).toBeLessThan(bare.served);
      expect(paced.stats?.rateLimited).toBe(paced.served);
    },
    90_000,
  );

  it("retries a refused read after a 503, never a write: safety learnt from the tools/list annotations", async () => {
    harness = await startHarness({
      fixture: {
        users: [
          { login: "a@company.com", firstName: "A", lastName: "A" },
          { login: "b@company.com", firstName: "B", lastName: "B" },
        ],
      },
      limits: "none",
      faults: {
        rules: [
          { path: "/api/v1/users/*/roles", times: 1, action: { type: "status", status: 503 } },
          { path: "/api/v1/users/*/lifecycle/suspend", times: 1, action: { type: "status", status: 503 } },
        ],
      },
    });
    const fetch = pacedFetch({ retry: { baseDelayMs: 10 } });
    const client = await sdkClient(harness.gateway.mcpUrl, fetch);
    await client.listTools();
    const read = (await client.callTool({
      name: "list_all_okta_user_roles",
      arguments: { userId: "a@company.com" },
    })) as ToolResult;
    expect(read.isError ?? false).toBe(false);
    const write = (await client.callTool({
      name: "okta_users_suspend",
      arguments: { userId: "b@company.com" },
    })) as ToolResult;
    expect(write.isError).toBe(true);
    // One retry (the read); the write went out once and its 503 came back to the caller.
    expect(fetch.stats()).toMatchObject({ calls: 2, attempts: 3, retries: 1 });
    expect(harness.okta.state.journal.list({ method: "POST" })).toHaveLength(1);
    expect(harness.okta.state.org.getUser("b@company.com").status).toBe("ACTIVE");
    await client.close();
    await fetch.close();
  });

  it("finds a 429 inside an SSE answer too", async () => {
    harness = await startHarness({
      fixture: { users: [{ login: "a@company.com", firstName: "A", lastName: "A" }] },
      limits: "none",
      faults: {
        rules: [
          { path: "/api/v1/users/*/roles", times: 2, action: { type: "status", status: 429, resetMs: 200 } },
        ],
      },
      mcpServer: { name: "sse", config: { response_mode: "sse" } },
    });
    const fetch = pacedFetch();
    const client = await sdkClient(harness.gateway.mcpUrl, fetch);
    const result = (await client.callTool({
      name: "list_all_okta_user_roles",
      arguments: { userId: "a@company.com" },
    })) as ToolResult;
    expect(result.isError ?? false).toBe(false);
    expect(fetch.stats()).toMatchObject({ calls: 1, attempts: 3, rateLimited: 2 });
    await client.close();
    await fetch.close();
  });
});
