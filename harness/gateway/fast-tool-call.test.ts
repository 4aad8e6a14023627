import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOkta, startFakeOkta } from "../fake-okta/server.js";
import { type Gateway, startGateway } from "./gateway-app.js";

/**
 * The fast path answers a plain tools/call without the SDK; the SDK path is the reference. Two
 * gateways in front of one fake Okta, identical but for `fastToolCalls`, get the same exchanges,
 * and must answer alike: status, content type, rate-limit headers and the JSON-RPC message.
 */
const MCP_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-11-25",
};

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  message: unknown;
}

let okta: FakeOkta;
let fast: Gateway;
let reference: Gateway;
let userId: string;

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = MCP_HEADERS,
): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const pick = ["content-type", "ratelimit-limit", "ratelimit-remaining", "retry-after"];
  return {
    status: response.status,
    headers: Object.fromEntries(pick.map((name) => [name, response.headers.get(name)])),
    message: text === "" ? null : JSON.parse(text),
  };
}

/**
 * An answer without what differs between any two Okta calls: error and request ids, and the
 * seconds to reset (read against the Date header, so a second may tick between the two calls).
 */
function comparable(answer: Answer): unknown {
  return JSON.parse(
    JSON.stringify(answer)
      .replace(/(\\?"(?:errorId|x-okta-request-id)\\?":\\?")[A-Za-z0-9_-]+/g, "$1ID")
      .replace(/(\\?"(?:reset|x-rate-limit-reset|ratelimit-reset|retry-after)\\?":\\?"?)\d+/g, "$10"),
  );
}

/** Both gateways' answers to the same exchange, the fast one first. */
async function both(
  body: unknown,
  headers?: Record<string, string>,
  server = "default",
): Promise<[Answer, Answer]> {
  const url = (gateway: Gateway) => (server === "default" ? gateway.mcpUrl : servers.get(gateway)?.[server]);
  return [
    await post(url(fast) as string, body, headers),
    await post(url(reference) as string, body, headers),
  ];
}

const servers = new Map<Gateway, Record<string, string>>();
const call = (name: string, args?: unknown, id: unknown = 7) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: args === undefined ? { name } : { name, arguments: args },
});

beforeAll(async () => {
  okta = await startFakeOkta({ fixture: { seed: 3, generate: { users: 30, logs: 0 } }, limits: "none" });
  userId = okta.state.org.users[0]?.id ?? "";
  const start = (fastToolCalls: boolean) =>
    startGateway({
      upstream: { baseUrl: okta.url, token: okta.token },
      cursorSecret: "the same cursors on both",
      defaultServerToken: "fast-path-comparison-token",
      fastToolCalls,
    });
  [fast, reference] = [await start(true), await start(false)];
  for (const gateway of [fast, reference]) {
    servers.set(gateway, {
      text: gateway.createServer({ name: "text", config: { result_content: "text" } }).url,
      strict: gateway.createServer({ name: "strict", config: { rate_limit_mode: "http_429" } }).url,
    });
  }
});

afterAll(async () => {
  await Promise.all([fast?.close(), reference?.close()]);
  await okta?.close();
});

describe("the gateway's fast tools/call path against the SDK's", () => {
  // [case, body, takes the fast path, server]
  const table: [string, unknown, boolean, string?][] = [
    ["a list page with a next cursor", call("list_all_okta_users", { limit: 5 }), true],
    ["a list page, text content only", call("list_all_okta_users", { limit: 5 }), true, "text"],
    ["a single user", call("get_single_okta_user_by_id", { id: "USER" }), true],
    ["a single user under a string id", call("get_single_okta_user_by_id", { id: "USER" }, "req-1"), true],
    [
      "an Okta 404 (isError with the envelope)",
      call("get_single_okta_user_by_id", { id: "00unosuch" }),
      true,
    ],
    [
      "an unknown argument (refused before Okta)",
      call("list_all_okta_users", { limit: 5, color: "red" }),
      true,
    ],
    ["a path argument with '..'", call("get_single_okta_user_by_id", { id: ".." }), true],
    ["no arguments at all", call("list_all_okta_users"), true],
    ["an unknown tool", call("no_such_tool", {}), false],
    ["arguments that are an array", call("list_all_okta_users", [1, 2]), false],
    ["a fractional id", call("list_all_okta_users", {}, 1.5), false],
    [
      "a batch",
      [call("list_all_okta_users", { limit: 1 }), call("list_all_okta_users", { limit: 2 }, 8)],
      false,
    ],
    ["tools/list", { jsonrpc: "2.0", id: 1, method: "tools/list" }, false],
    ["a notification", { jsonrpc: "2.0", method: "notifications/initialized" }, false],
    [
      "_meta on the request",
      { ...call("x"), params: { name: "list_all_okta_users", _meta: { progressToken: 1 } } },
      false,
    ],
  ];

  it.each(table)("%s", async (_name, body, takesFastPath, server) => {
    const withUser = JSON.parse(JSON.stringify(body).replaceAll('"USER"', JSON.stringify(userId)));
    const servedBefore = fast.fastToolCallsServed;
    const [fastAnswer, sdkAnswer] = await both(withUser, undefined, server);
    expect(comparable(fastAnswer)).toEqual(comparable(sdkAnswer));
    expect(fast.fastToolCallsServed - servedBefore).toBe(takesFastPath ? 1 : 0);
    expect(reference.fastToolCallsServed).toBe(0);
  });

  it("a DELETE carrying a tools/call body runs nothing on either path", async () => {
    const body = JSON.stringify(call("list_all_okta_users", { limit: 1 }));
    const journalBefore = okta.state.journal.list().length;
    const servedBefore = fast.fastToolCallsServed;
    for (const gateway of [fast, reference])
      await fetch(gateway.mcpUrl, { method: "DELETE", headers: MCP_HEADERS, body }).then((r) => r.text());
    expect(okta.state.journal.list().length).toBe(journalBefore);
    expect(fast.fastToolCallsServed).toBe(servedBefore);
  });

  it.each(["PUT", "PATCH", "OPTIONS"])(
    "%s on the MCP URL is 405 naming the methods, never echoing the token",
    async (method) => {
      const response = await fetch(fast.mcpUrl, { method });
      const text = await response.text();
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, POST, DELETE");
      expect(text).not.toContain(new URL(fast.mcpUrl).pathname.split("/").at(-1) ?? "");
    },
  );

  it("arguments nested 5,000 deep are refused with a 400 on both paths, never a 500", async () => {
    // Written as text: JSON.stringify itself overflows the stack at this depth.
    const nested = `${'{"a":'.repeat(5000)}"x"${"}".repeat(5000)}`;
    const body = JSON.stringify(call("list_all_okta_users", { filter: "NESTED" })).replace(
      '"NESTED"',
      nested,
    );
    for (const gateway of [fast, reference]) {
      const response = await fetch(gateway.mcpUrl, { method: "POST", headers: MCP_HEADERS, body });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: -32600, message: expect.stringContaining("nests deeper") },
      });
    }
  });

  it("sends the same bytes as the SDK for a page (Okta's compact JSON spliced in)", async () => {
    const body = JSON.stringify(call("list_all_okta_users", { limit: 3 }));
    const texts = await Promise.all(
      [fast, reference].map(async (gateway) =>
        (await fetch(gateway.mcpUrl, { method: "POST", headers: MCP_HEADERS, body })).text(),
      ),
    );
    expect(texts[0]).toBe(texts[1]);
  });

  it.each([
    ["no protocol version header", { ...MCP_HEADERS, "mcp-protocol-version": "" }],
    ["a 2026-era protocol version header", { ...MCP_HEADERS, "mcp-protocol-version": "2026-07-28" }],
    ["an Accept without SSE", { ...MCP_HEADERS, accept: "application/json" }],
    ["an unknown protocol version", { ...MCP_HEADERS, "mcp-protocol-version": "1999-01-01" }],
  ])("%s: answered by the SDK", async (_name, headers) => {
    const servedBefore = fast.fastToolCallsServed;
    const [fastAnswer, sdkAnswer] = await both(call("list_all_okta_users", { limit: 1 }), headers);
    expect(fast.fastToolCallsServed).toBe(servedBefore);
    expect(comparable(fastAnswer)).toEqual(comparable(sdkAnswer));
  });

  it.each([
    ["tool_result mode: an isError result carrying the 429", "default"],
    ["http_429 mode: HTTP 429 with Retry-After", "strict"],
  ])("an upstream 429, %s", async (_name, server) => {
    const answers: Answer[] = [];
    for (const gateway of [fast, reference]) {
      okta.state.faults.install({
        rules: [
          { path: "/api/v1/users", times: 1, action: { type: "status", status: 429, resetMs: 30_000 } },
        ],
      });
      const url = server === "default" ? gateway.mcpUrl : (servers.get(gateway)?.[server] as string);
      answers.push(await post(url, call("list_all_okta_users", { limit: 2 })));
    }
    okta.state.faults.clear();
    const [fastAnswer, sdkAnswer] = answers as [Answer, Answer];
    expect(fastAnswer.status).toBe(server === "strict" ? 429 : 200);
    expect(fastAnswer.headers["retry-after"] !== null).toBe(server === "strict");
    expect(comparable(fastAnswer)).toEqual(comparable(sdkAnswer));
  });

  it("agrees with the SDK on arbitrary arguments (fast-check)", async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer({ min: -5, max: 300 }),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom("..", "00u/../x", "%2e%2e", userId, "ACTIVE", 'status eq "ACTIVE"'),
    );
    const args = fc.dictionary(
      fc.constantFrom("id", "limit", "filter", "search", "q", "next_cursor", "expand", "extra"),
      value,
      { maxKeys: 3 },
    );
    const tool = fc.constantFrom("list_all_okta_users", "get_single_okta_user_by_id", "list_all_okta_groups");
    await fc.assert(
      fc.asyncProperty(tool, args, async (name, input) => {
        const [fastAnswer, sdkAnswer] = await both(call(name, input));
        expect(comparable(fastAnswer)).toEqual(comparable(sdkAnswer));
      }),
      { numRuns: 60 },
    );
  });
});

describe("the fast path with bytes an upstream chose", () => {
  it("invalid UTF-8 in Okta's JSON goes out as the SDK sends it: replacement characters, valid UTF-8", async () => {
    const { createServer } = await import("node:http");
    const { isUtf8 } = await import("node:buffer");
    // A stand-in upstream: a user list whose login holds a byte that is not UTF-8.
    const page = Buffer.concat([
      Buffer.from('[{"id":"00u1","profile":{"login":"a'),
      Buffer.from([0xff]),
      Buffer.from('"}}]'),
    ]);
    const stub = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" }).end(page);
    });
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    const address = stub.address() as { port: number };
    const upstream = { baseUrl: `http://127.0.0.1:${address.port}`, token: "stub" };
    const gateways = await Promise.all(
      [true, false].map((fastToolCalls) =>
        startGateway({
          upstream,
          cursorSecret: "s",
          defaultServerToken: "invalid-utf8-comparison",
          fastToolCalls,
        }),
      ),
    );
    try {
      const body = JSON.stringify(call("list_all_okta_users", { limit: 1 }));
      const [fastBytes, sdkBytes] = await Promise.all(
        gateways.map(async (gateway) =>
          Buffer.from(
            await (await fetch(gateway.mcpUrl, { method: "POST", headers: MCP_HEADERS, body })).arrayBuffer(),
          ),
        ),
      );
      expect(gateways[0]?.fastToolCallsServed).toBe(1);
      expect(isUtf8(fastBytes as Buffer)).toBe(true);
      expect(fastBytes?.toString()).toBe(sdkBytes?.toString());
      expect(fastBytes?.toString()).toContain("a\ufffd");
    } finally {
      await Promise.all(gateways.map((gateway) => gateway.close()));
      stub.close();
    }
  });
});
