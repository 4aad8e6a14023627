import { createHash } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { type Clock, systemClock } from "../shared/clock.js";
import { boundedServer, type ConnectionLimits } from "../shared/connection-limits.js";
import { allowedHostsOf, installHostGuard, urlHost } from "../shared/host-guard.js";
import { CursorCodec } from "./cursor.js";
import { answerToolCall, plainToolCall } from "./fast-tool-call.js";
import { LegacySseSessions } from "./legacy-sse.js";
import { headerValue, type Upstream, upstreamAgent } from "./proxy.js";
import {
  type McpServerInput,
  type McpServerRecord,
  McpServerRegistry,
  RegistryError,
} from "./server-registry.js";
import { serveStreamable } from "./streamable-http.js";
import { type GatewayContext, gatewayContext } from "./tool-server.js";
import { buildTools } from "./tools.js";

export interface GatewayOptions {
  upstream: Upstream;
  /** Created at start; its URL is `mcpUrl`. Default: every tool, 429s as tool results, JSON responses. */
  defaultServer?: McpServerInput;
  clock?: Clock;
  /** Key that signs `next_cursor`. Default: random per start; fixed for replayable runs. */
  cursorSecret?: string;
  /** How long a `next_cursor` stays valid (default: for ever; Truto's behaviour is unconfirmed). */
  cursorTtlMs?: number;
  logger?: boolean;
  /** Host names requests may name in `Host`/`Origin` besides loopback (for containers). */
  allowedHosts?: string[];
  /** Address to listen on. Default 127.0.0.1; `0.0.0.0` inside a container. */
  host?: string;
  /** The default MCP server's URL token, pinned (default: random). */
  defaultServerToken?: string;
  /**
   * Answer a plain single `tools/call` (JSON response mode) without the SDK's per-request server,
   * serialising the result once (default true). Off, every exchange goes through the SDK: the
   * reference the fast path is tested against.
   */
  fastToolCalls?: boolean;
  /** Slow and idle connections (default `DEFAULT_CONNECTION_LIMITS`). */
  connectionLimits?: Partial<ConnectionLimits>;
}

export interface Gateway {
  readonly url: string;
  /** The default MCP server's URL (it contains the server's token). */
  readonly mcpUrl: string;
  readonly adminUrl: string;
  readonly registry: McpServerRegistry;
  readonly app: FastifyInstance;
  /** Tool calls answered on the fast path (`fastToolCalls`) since start. */
  readonly fastToolCallsServed: number;
  /** Creates another MCP server; its URL is returned once. */
  createServer(input: McpServerInput): { url: string; id: string };
  close(): Promise<void>;
}

/**
 * The Truto-style MCP gateway: `/mcp/<token>` serves each MCP server's filtered tools over
 * Streamable HTTP (and `/mcp/<token>/sse` over the legacy SSE transport), proxying every call to
 * Okta over HTTP. `/__admin/mcp-servers` creates servers; `/__admin/api-tokens` issues API tokens.
 */
export async function startGateway(options: GatewayOptions & { port?: number }): Promise<Gateway> {
  const clock = options.clock ?? systemClock;
  const registry = new McpServerRegistry(buildTools(), clock);
  const cursors = new CursorCodec(
    options.cursorSecret ? createHash("sha256").update(options.cursorSecret).digest() : undefined,
    () => clock.now(),
    options.cursorTtlMs,
  );
  const sse = new LegacySseSessions();
  const dispatcher = upstreamAgent();
  const upstream = { ...options.upstream, dispatcher };
  // A harness must stop promptly even with SSE streams or keep-alive sockets still open.
  const app = Fastify({
    logger: options.logger ?? false,
    forceCloseConnections: true,
    ...boundedServer(options.connectionLimits),
  });
  installHostGuard(app, allowedHostsOf(options.allowedHosts), (message) =>
    // The MCP endpoint answers in JSON-RPC's shape; the admin API in its own.
    ({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }),
  );
  // A body that nests deeper than any MCP message would (arguments 5,000 deep overflow the stack of
  // every JSON.stringify after) is refused at the edge, before any path serves it.
  app.addHook("preHandler", async (request, reply) => {
    if (request.body !== undefined && nestsDeeperThan(request.body, MAX_JSON_DEPTH))
      return reply.code(400).send({
        jsonrpc: "2.0",
        error: {
          code: -32600,
          message: `Invalid Request: the body nests deeper than ${MAX_JSON_DEPTH} levels.`,
        },
        id: null,
      });
  });
  // One context per server, built once: what serves its requests is cached against it.
  const contexts = new WeakMap<McpServerRecord, GatewayContext>();
  const contextOf = (server: McpServerRecord): GatewayContext => {
    let context = contexts.get(server);
    if (!context) {
      context = gatewayContext({
        serverId: server.id,
        tools: server.tools,
        upstream,
        cursors,
        resultContent: server.config.result_content,
        rateLimitReporting: server.config.rate_limit_reporting,
      });
      contexts.set(server, context);
    }
    return context;
  };
  let origin = "";
  let fastToolCallsServed = 0;

  const resolve = (request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) => {
    const resolution = registry.resolve(request.params.token, request.headers.authorization);
    if (resolution.ok) return resolution.server;
    if (resolution.status === 401) reply.header("www-authenticate", 'Bearer realm="paceline-gateway"');
    void reply
      .code(resolution.status)
      .send({ error: resolution.status === 401 ? "unauthorized" : "not_found", message: resolution.message });
    return undefined;
  };

  // The methods the Streamable HTTP transport does not use get 405 naming those it does, never a
  // 404 that would echo the URL's token.
  app.route({
    method: ["PUT", "PATCH", "OPTIONS"],
    url: "/mcp/:token",
    handler: async (_request, reply) =>
      reply.code(405).header("allow", "GET, POST, DELETE").send({
        error: "method_not_allowed",
        message: "The MCP endpoint answers POST (messages), GET (405: stateless) and DELETE.",
      }),
  });

  app.route<{ Params: { token: string } }>({
    method: ["GET", "POST", "DELETE"],
    url: "/mcp/:token",
    handler: async (request, reply) => {
      const server = resolve(request, reply);
      if (!server) return reply;
      // Stateless: no server-initiated stream to offer. The transport spec's answer is 405.
      if (request.method === "GET")
        return reply
          .code(405)
          .header("allow", "POST, DELETE")
          .send({
            jsonrpc: "2.0",
            error: {
              code: -32000,
              message: "Method not allowed: this gateway is stateless and opens no SSE stream on GET.",
            },
            id: null,
          });
      const context = contextOf(server);
      const modes = { rateLimit: server.config.rate_limit_mode, response: server.config.response_mode };
      // Only a POST carries calls: a DELETE with a tools/call body runs nothing (as on the SDK path).
      const call =
        options.fastToolCalls !== false && modes.response === "json" && request.method === "POST"
          ? plainToolCall(request.headers, request.body, context)
          : undefined;
      if (call) {
        fastToolCallsServed++;
        const answer = await answerToolCall(call, context, modes.rateLimit);
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      }
      const headers = new Headers();
      for (const name of Object.keys(request.headers)) {
        const value = headerValue(request.headers, name);
        if (value !== undefined) headers.set(name, value);
      }
      const webRequest = new Request(`${origin}${request.url}`, {
        method: request.method,
        headers,
        body: request.method === "POST" ? JSON.stringify(request.body) : undefined,
      });
      const answer = await serveStreamable(webRequest, request.body, context, modes);
      reply.code(answer.status);
      answer.headers.forEach((value, name) => {
        reply.header(name, value);
      });
      return reply.send(answer.body);
    },
  });

  app.get<{ Params: { token: string } }>("/mcp/:token/sse", async (request, reply) => {
    const server = resolve(request, reply);
    if (!server) return reply;
    reply.hijack();
    const postPath = `/mcp/${request.params.token}/messages`;
    await sse.open(reply.raw, postPath, server.id, contextOf(server), server.config.rate_limit_mode);
  });

  app.post<{ Params: { token: string }; Querystring: { sessionId?: string } }>(
    "/mcp/:token/messages",
    async (request, reply) => {
      const server = resolve(request, reply);
      if (!server) return reply;
      const answer = await sse.post(request.query.sessionId ?? "", server.id, request.body);
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    },
  );

  const create = (input: unknown, chosenToken?: string) => {
    const { server, token } = registry.create(input, chosenToken);
    return { ...registry.describe(server), token, url: `${origin}/mcp/${token}` };
  };

  app.post("/__admin/mcp-servers", async (request, reply) => {
    try {
      return reply.code(201).send(create(request.body));
    } catch (error) {
      if (error instanceof RegistryError)
        return reply.code(400).send({ error: "bad_request", message: error.message });
      throw error;
    }
  });
  app.post("/__admin/api-tokens", async (_request, reply) =>
    reply.code(201).send({ token: registry.createApiToken() }),
  );

  app.setErrorHandler((error, _request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 400)
      return reply.code(400).send({
        jsonrpc: "2.0",
        error: { code: -32700, message: "Parse error: the body is not JSON" },
        id: null,
      });
    if (status === 413)
      return reply.code(413).send({
        jsonrpc: "2.0",
        error: {
          code: -32600,
          message: `The request body is larger than this gateway accepts (${app.initialConfig.bodyLimit} bytes).`,
        },
        id: null,
      });
    if (status === 415)
      return reply.code(415).send({
        jsonrpc: "2.0",
        error: { code: -32600, message: "The request body must be application/json." },
        id: null,
      });
    return reply
      .code(status)
      .send({ error: "internal_error", message: "The gateway failed to handle this request." });
  });

  app.get("/__admin/health", async () => ({ status: "ok" }));

  const host = options.host ?? "127.0.0.1";
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("gateway: no TCP address");
  origin = `http://${urlHost(host)}:${address.port}`;
  const defaultServer = create(options.defaultServer ?? { name: "default" }, options.defaultServerToken);
  return {
    url: origin,
    mcpUrl: defaultServer.url,
    adminUrl: `${origin}/__admin`,
    registry,
    app,
    get fastToolCallsServed() {
      return fastToolCallsServed;
    },
    createServer: (input) => {
      const created = create(input);
      return { url: created.url, id: created.id };
    },
    close: async () => {
      await app.close();
      await dispatcher.close();
    },
  };
}

/** Deeper than any MCP message or Okta argument needs; far below what overflows a stack. */
const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` arrays or objects (walked without recursion). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== "object") continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
