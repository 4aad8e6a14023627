import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConnectionError, connect, RateLimitedError } from "./index.js";

/**
 * What the harness cannot easily produce, scripted at the HTTP level with nock: a 429 on the MCP
 * POST itself with an HTTP-date Retry-After, and connections that drop before or after a write.
 */
const ORIGIN = "http://mcp.nock.test";

type Rpc = { jsonrpc: "2.0"; id?: number; method: string; params?: Record<string, unknown> };
type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { error: string };

const TOOLS = [
  {
    name: "list_all_okta_users",
    inputSchema: { type: "object", properties: {} },
    annotations: { readOnlyHint: true },
  },
  {
    name: "okta_users_suspend",
    inputSchema: { type: "object", properties: { userId: { type: "string" } } },
    annotations: { readOnlyHint: false, destructiveHint: true },
  },
];

/** A scripted MCP endpoint: protocol messages answered as a server would, tools/call from a queue. */
function scriptedServer(callReplies: Reply[]) {
  const calls: Rpc[] = [];
  nock(ORIGIN).get("/mcp").reply(405).persist();
  nock(ORIGIN)
    .post("/mcp")
    .reply(async (request: Request) => {
      const rpc = (await request.json()) as Rpc;
      const ok = (result: unknown) => [
        200,
        { jsonrpc: "2.0", id: rpc.id, result },
        { "content-type": "application/json" },
      ];
      if (rpc.method === "initialize") {
        return ok({
          protocolVersion: rpc.params?.protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: "scripted", version: "1" },
        });
      }
      if (rpc.method.startsWith("notifications/")) return [202, ""];
      if (rpc.method === "tools/list") return ok({ tools: TOOLS });
      calls.push(rpc);
      const next = callReplies.shift() ?? { status: 200 };
      if ("error" in next) throw Object.assign(new Error(next.error), { code: next.error });
      if (next.delayMs) await new Promise((resolve) => setTimeout(resolve, next.delayMs));
      if (next.status !== 200) return [next.status, next.body ?? "", next.headers ?? {}];
      return ok({ content: [{ type: "text", text: "{}" }], structuredContent: { result: [] } });
    })
    .persist();
  return calls;
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("HTTP-level behaviour (nock)", () => {
  it("waits out a 429 on the MCP POST whose Retry-After is an HTTP-date, then succeeds", async () => {
    const retryAt = new Date(Date.now() + 1500).toUTCString();
    const calls = scriptedServer([
      { status: 429, body: "slow down", headers: { "retry-after": retryAt, "content-type": "text/plain" } },
    ]);
    const client = await connect(`${ORIGIN}/mcp`, { transport: "streamable-http" });
    const limited: number[] = [];
    client.on("rateLimited", (e) => limited.push(e.retryAfterMs ?? -1));
    const started = Date.now();
    const result = await client.callTool("list_all_okta_users", {});
    expect(result.isError ?? false).toBe(false);
    expect(calls).toHaveLength(2);
    // The date has whole-second precision, so the wait is at least what remained of it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(Date.parse(retryAt) - started - 50);
    expect(limited).toHaveLength(1);
    expect(limited[0]).toBeGreaterThan(0);
    expect(client.stats()).toMatchObject({ calls: 1, attempts: 2, retries: 1, rateLimited: 1 });
    await client.close();
  });

  it("fails fast with RateLimitedError when Retry-After exceeds maxWaitMs", async () => {
    scriptedServer([{ status: 429, headers: { "retry-after": "3600" } }]);
    const client = await connect(`${ORIGIN}/mcp`, {
      transport: "streamable-http",
      retry: { maxWaitMs: 5000 },
    });
    const error = await client.callTool("okta_users_suspend", { userId: "u1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(3_600_000);
    await client.close();
  });

  it("never repeats a write whose connection dropped after it was sent", async () => {
    const calls = scriptedServer([{ error: "ECONNRESET" }]);
    const client = await connect(`${ORIGIN}/mcp`, { transport: "streamable-http" });
    await expect(client.callTool("okta_users_suspend", { userId: "u1" })).rejects.toThrow();
    expect(calls).toHaveLength(1);
    expect(client.stats()).toMatchObject({ attempts: 1, retries: 0 });
    await client.close();
  });

  it("retries a read whose connection dropped", async () => {
    const calls = scriptedServer([{ error: "ECONNRESET" }]);
    const client = await connect(`${ORIGIN}/mcp`, {
      transport: "streamable-http",
      retry: { baseDelayMs: 10 },
    });
    const result = await client.callTool("list_all_okta_users", {});
    expect(result.isError ?? false).toBe(false);
    expect(calls).toHaveLength(2);
    await client.close();
  });

  it("a refused connection fails a write at once, naming the server (never its path: gateway tokens live there)", async () => {
    scriptedServer([{ error: "ECONNREFUSED" }]);
    const client = await connect(`${ORIGIN}/mcp`, {
      transport: "streamable-http",
      retry: { baseDelayMs: 10 },
    });
    const error = await client.callTool("okta_users_suspend", { userId: "u1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: "ECONNREFUSED", server: ORIGIN });
    expect(String((error as Error).message)).not.toMatch(/nock\.test\/mcp/);
    expect(client.stats()).toMatchObject({ attempts: 1, retries: 0 });
    await client.close();
  });

  it("a refused connection gets a read a few quick retries, then fails with ConnectionError", async () => {
    scriptedServer([{ error: "ECONNREFUSED" }, { error: "ECONNREFUSED" }, { error: "ECONNREFUSED" }]);
    const client = await connect(`${ORIGIN}/mcp`, { transport: "streamable-http" });
    const retries: number[] = [];
    client.on("retry", (event) => retries.push(event.delayMs));
    await expect(client.callTool("list_all_okta_users", {})).rejects.toBeInstanceOf(ConnectionError);
    // Two quick retries (RETRY_DEFAULTS.refusedRetries), each at most 200 ms after the last.
    expect(client.stats()).toMatchObject({ attempts: 3, retries: 2 });
    expect(retries.every((ms) => ms <= 200)).toBe(true);
    await client.close();
  });

  it("a read that outlasts its timeout is tried once more, not re-run until the retries run out", async () => {
    scriptedServer([
      { status: 200, delayMs: 400 },
      { status: 200, delayMs: 400 },
      { status: 200, delayMs: 400 },
    ]);
    const client = await connect(`${ORIGIN}/mcp`, { transport: "streamable-http", timeoutMs: 100 });
    await expect(client.callTool("list_all_okta_users", {})).rejects.toThrow();
    // RETRY_DEFAULTS.timeoutRetries = 1: the slow tool ran twice on the server, not nine times.
    expect(client.stats()).toMatchObject({ attempts: 2, retries: 1 });
    await client.close();
  });

  it("one deadline across attempts: an attempt's timeout is cut to what is left of it", async () => {
    scriptedServer([{ status: 503 }, { status: 200, delayMs: 1000 }]);
    const client = await connect(`${ORIGIN}/mcp`, {
      transport: "streamable-http",
      timeoutMs: 60_000,
      retry: { deadlineMs: 300, baseDelayMs: 10 },
    });
    await expect(client.callTool("list_all_okta_users", {})).rejects.toThrow();
    // The second attempt had ~300 ms of deadline left, not the 60 s timeout; no third attempt.
    expect(client.stats().attempts).toBe(2);
    await client.close();
  });

  it("a 503 on a write is reported, not retried; on a read it is retried", async () => {
    const calls = scriptedServer([{ status: 503 }, { status: 503 }]);
    const client = await connect(`${ORIGIN}/mcp`, {
      transport: "streamable-http",
      retry: { baseDelayMs: 10 },
    });
    await expect(client.callTool("okta_users_suspend", { userId: "u1" })).rejects.toThrow();
    expect(calls).toHaveLength(1);
    expect((await client.callTool("list_all_okta_users", {})).isError ?? false).toBe(false);
    expect(calls).toHaveLength(3);
    await client.close();
  });
});
