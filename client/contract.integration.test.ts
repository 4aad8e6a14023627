import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../harness/redis-server.js";
import { ConnectionError, connect, pacedFetch, ServerError, ServerGoneError } from "./index.js";

/**
 * The call contract where the SDK and HTTP meet: a scripted MCP server on 127.0.0.1 (node:http),
 * the MCP SDK's own client with pacedFetch inside it, and paceline's client. The assertions are on
 * what the server received and in what order, never on how long anything took.
 */
type Rpc = { jsonrpc: "2.0"; id?: number | string; method: string; params?: Record<string, unknown> };
type CallHandler = (rpc: Rpc, response: ServerResponse) => void;

const TOOLS = [
  { name: "list_users", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } },
  { name: "slow_read", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } },
  { name: "suspend_user", inputSchema: { type: "object" }, annotations: { readOnlyHint: false } },
];

let server: Server | undefined;
afterEach(async () => {
  const open = server;
  server = undefined;
  if (!open) return;
  open.closeAllConnections();
  await new Promise((resolve) => open.close(resolve));
});

/** A scripted MCP server: the protocol answered as a server would, tools/call by `onCall`. */
async function scriptedServer(
  onCall: CallHandler,
  onHttp?: (request: IncomingMessage, response: ServerResponse) => boolean,
) {
  const received: Rpc[] = [];
  server = createServer(async (request, response) => {
    if (onHttp?.(request, response)) return;
    if (request.method !== "POST") return void response.writeHead(405).end();
    let body = "";
    for await (const chunk of request) body += chunk;
    const rpc = JSON.parse(body) as Rpc;
    received.push(rpc);
    const json = (result: unknown, headers: Record<string, string> = {}) =>
      response
        .writeHead(200, { "content-type": "application/json", ...headers })
        .end(JSON.stringify({ jsonrpc: "2.0", id: rpc.id, result }));
    if (rpc.method === "initialize")
      return json({
        protocolVersion: rpc.params?.protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: "scripted", version: "1" },
      });
    if (rpc.method.startsWith("notifications/")) return void response.writeHead(202).end();
    if (rpc.method === "tools/list") return json({ tools: TOOLS });
    onCall(rpc, response);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    received,
    calls: () => received.filter((r) => r.method === "tools/call"),
  };
}

const answer = (rpc: Rpc, response: ServerResponse, headers: Record<string, string> = {}) =>
  response
    .writeHead(200, { "content-type": "application/json", ...headers })
    .end(JSON.stringify({ jsonrpc: "2.0", id: rpc.id, result: { content: [{ type: "text", text: "{}" }] } }));

async function sdkClient(url: string, fetch: typeof globalThis.fetch) {
  const client = new Client({ name: "contract-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch }));
  await client.listTools();
  return client;
}

describe("rule 2 through pacedFetch: the SDK's timeout or abort reaches the queue and the wire", () => {
  it("a write the SDK timed out while it waited for budget is never sent", async () => {
    // The first answer spends the (declared, shared) bucket for 2 s; the write waits behind it.
    const server = await scriptedServer((rpc, response) =>
      answer(rpc, response, { "ratelimit-limit": "10", "ratelimit-remaining": "0", "ratelimit-reset": "2" }),
    );
    const fetch = pacedFetch({ limiter: { bucketOf: () => "org" } });
    const client = await sdkClient(server.url, fetch);
    try {
      await client.callTool({ name: "list_users", arguments: {} });
      await expect(
        client.callTool({ name: "suspend_user", arguments: { userId: "u1" } }, { timeout: 300 }),
      ).rejects.toThrow(/timed out/i);
      // Past the bucket's refill: had the write stayed queued, it would have gone by now.
      await new Promise((resolve) => setTimeout(resolve, 2600));
      expect(server.calls().map((c) => c.params?.name)).toEqual(["list_users"]);
      expect(fetch.stats()).toMatchObject({ calls: 2, attempts: 1 });
    } finally {
      await client.close();
      await fetch.close();
    }
  }, 15_000);

  it("the slots of calls the SDK gave up on are freed: a healthy call does not wait for slow bodies", async () => {
    const held: ServerResponse[] = [];
    let healthyAnsweredWhileSlowHeld = false;
    const server = await scriptedServer((rpc, response) => {
      if (rpc.params?.name === "slow_read") return void held.push(response);
      healthyAnsweredWhileSlowHeld = held.length === 2 && held.every((r) => !r.writableEnded);
      answer(rpc, response);
    });
    const fetch = pacedFetch({ limiter: { maxConcurrent: 2 }, retry: { timeoutRetries: 0 } });
    const client = await sdkClient(server.url, fetch);
    try {
      const slow = [1, 2].map(() => client.callTool({ name: "slow_read", arguments: {} }, { timeout: 300 }));
      for (const call of slow) await expect(call).rejects.toThrow(/timed out/i);
      const healthy = await client.callTool({ name: "list_users", arguments: {} }, { timeout: 10_000 });
      expect(healthy.isError ?? false).toBe(false);
      expect(healthyAnsweredWhileSlowHeld).toBe(true);
    } finally {
      for (const response of held) if (!response.writableEnded) response.destroy();
      await client.close();
      await fetch.close();
    }
  }, 15_000);
});

describe("rule 7: errors name what happened", () => {
  it("connect() to a port where nothing listens throws ConnectionError naming the server", async () => {
    const port = await freePort();
    const error = await connect(`http://127.0.0.1:${port}/mcp/secret-token`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: "ECONNREFUSED", server: `http://127.0.0.1:${port}` });
    expect(String(error)).not.toContain("secret-token");
  });

  it("an expired gateway URL throws ServerGoneError carrying the gateway's own message", async () => {
    const server = await scriptedServer(
      () => {},
      (_request, response) => {
        response
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ message: "This MCP server URL has expired." }));
        return true;
      },
    );
    const error = await connect(server.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerGoneError);
    expect(error).toMatchObject({ status: 404, serverMessage: "This MCP server URL has expired." });
  });

  it("a 502 page on a write is a ServerError with the status and a short plain body, never the raw HTML", async () => {
    const page = `<html><head><style>body{color:red}</style></head><body><h1>502 Bad Gateway</h1>${"<p>upstream</p>".repeat(100)}</body></html>`;
    const server = await scriptedServer((_rpc, response) =>
      response.writeHead(502, { "content-type": "text/html" }).end(page),
    );
    const client = await connect(server.url, { transport: "streamable-http" });
    try {
      const error = await client.callTool("suspend_user", { userId: "u1" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ status: 502, tool: "suspend_user" });
      const message = String((error as Error).message);
      expect(message).toContain("502 Bad Gateway");
      expect(message).toContain("may or may not have run");
      expect(message).not.toMatch(/[<>]|color:red/);
      expect((error as ServerError).body.length).toBeLessThanOrEqual(200);
      // A write is not retried after a 5xx: it may have run.
      expect(server.calls()).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
