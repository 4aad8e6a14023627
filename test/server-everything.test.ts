import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, connect, PageShapeError } from "../client/index.js";

/**
 * paceline's client against a server nobody here wrote: @modelcontextprotocol/server-everything
 * (the MCP project's reference server), bound to 127.0.0.1 by a preload. Tools, errors, a
 * long-running call kept alive by progress, the legacy SSE transport, and session close.
 */
const entry = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/dist/index.js");
const PRELOAD = join(import.meta.dirname, "support", "loopback-only.mjs");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startEverything(
  transport: "streamableHttp" | "sse",
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", PRELOAD, entry, transport], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server-everything did not start")), 15_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      if (/listening|running/i.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`server-everything exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/${transport === "sse" ? "sse" : "mcp"}`, child };
}

let http: { url: string; child: ChildProcess };
beforeAll(async () => {
  http = await startEverything("streamableHttp");
}, 20_000);
afterAll(() => {
  http?.child.kill();
});

describe("paceline's client against @modelcontextprotocol/server-everything", () => {
  it("lists its tools and calls one, reading their annotations", async () => {
    const client = await connect(http.url, { transport: "streamable-http" });
    const names = client.listTools().map((t) => t.name);
    expect(names).toContain("echo");
    expect(names).toContain("trigger-long-running-operation");
    const result = await client.callTool("echo", { message: "hello" });
    expect(JSON.stringify(result.content)).toContain("hello");
    expect(client.safetyOf("trigger-long-running-operation").readOnly).toBe(true);
    await client.close();
  });

  it("a tool error comes back as the server's error, not retried", async () => {
    const client = await connect(http.url, { transport: "streamable-http" });
    const outcome = await client.callTool("get-sum", { a: "not a number", b: 2 }).then(
      (r) => r,
      (e: unknown) => e,
    );
    // Either an isError result or a protocol error: both surface, and only one attempt was made.
    expect(outcome instanceof Error || (outcome as { isError?: boolean }).isError === true).toBe(true);
    expect(client.stats().attempts).toBe(1);
    await client.close();
  });

  it("a long call outlives its timeout while progress keeps coming, with onprogress passed through", {
    timeout: 20_000,
  }, async () => {
    const client = await connect(http.url, { transport: "streamable-http" });
    const progress: number[] = [];
    // 3 s of work in 6 steps; a 1.2 s timeout that each progress notification restarts.
    const result = await client.callTool(
      "trigger-long-running-operation",
      { duration: 3, steps: 6 },
      { timeoutMs: 1200, onprogress: (p) => progress.push(p.progress) },
    );
    expect(result.isError ?? false).toBe(false);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(client.stats().attempts).toBe(1);
    await client.close();
  });

  it("close() ends the session with an HTTP DELETE carrying its id", async () => {
    const seen: { method: string; session: string | null }[] = [];
    const client = await connect(http.url, {
      transport: "streamable-http",
      fetch: async (input, init) => {
        const headers = new Headers(init?.headers);
        seen.push({ method: init?.method ?? "GET", session: headers.get("mcp-session-id") });
        return fetch(input, init);
      },
    });
    await client.callTool("echo", { message: "x" });
    await client.close();
    const deletes = seen.filter((s) => s.method === "DELETE");
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.session).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("paginating a tool whose result has no list says so, with how to fix it", async () => {
    const client = await connect(http.url, { transport: "streamable-http" });
    const error = await client.listAll("echo", { message: "not a list" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PageShapeError);
    expect(String((error as Error).message)).toMatch(/content blocks \[text\].*pagination\.extract/);
    await client.close();
  });

  it("with an extractor, any shape pages", async () => {
    const client = await connect(http.url, {
      transport: "streamable-http",
      pagination: { extract: (result) => ({ items: result.content as unknown[], nextCursor: null }) },
    });
    const items = await client.listAll("echo", { message: "one block" });
    expect(items).toHaveLength(1);
    await client.close();
  });

  it("speaks the legacy HTTP+SSE transport to the same server", { timeout: 20_000 }, async () => {
    const sse = await startEverything("sse");
    try {
      const client = await connect(sse.url, { transport: "sse" });
      const result = await client.callTool("echo", { message: "over sse" });
      expect(JSON.stringify(result.content)).toContain("over sse");
      await client.close();
    } finally {
      sse.child.kill();
    }
  });
});

describe("authentication failures are reported, not taken for an old server", () => {
  it("a 401 to the initialize POST is an AuthenticationError with its status; no SSE fall-back is tried", async () => {
    const requests: string[] = [];
    const { createServer: createHttp } = await import("node:http");
    const server = createHttp((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" });
      response.end(JSON.stringify({ error: "unauthorized" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const error = await connect(`http://127.0.0.1:${port}/mcp/secret-token`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ status: 401, server: `http://127.0.0.1:${port}` });
      expect(String((error as Error).message)).not.toContain("secret-token");
      // Only the Streamable HTTP POST: no GET for a legacy SSE stream.
      expect(requests.every((r) => r.startsWith("POST"))).toBe(true);
    } finally {
      server.close();
    }
  });
});
