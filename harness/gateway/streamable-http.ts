import { AsyncLocalStorage } from "node:async_hooks";
import {
  createMcpHandler,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import {
  buildMcpServer,
  type CallRecorder,
  type GatewayContext,
  httpAnswerOf,
  type RateLimitMode,
} from "./tool-server.js";

export type { RateLimitMode } from "./tool-server.js";

export type ResponseMode = "json" | "sse";

/** The exchange being served, so a handler built once per server records into this request's calls. */
const currentRecorder = new AsyncLocalStorage<CallRecorder>();
const requestRecorder: Pick<CallRecorder, "set"> = {
  set(id, record) {
    currentRecorder.getStore()?.set(id, record);
    return this as CallRecorder;
  },
};

type McpHandler = ReturnType<typeof createMcpHandler>;
const handlers = new WeakMap<GatewayContext, Map<ResponseMode, McpHandler>>();

/** The SDK's handler for a server and response mode, built once (not per request). */
function handlerFor(context: GatewayContext, response: ResponseMode): McpHandler {
  let byMode = handlers.get(context);
  if (!byMode) {
    byMode = new Map();
    handlers.set(context, byMode);
  }
  let handler = byMode.get(response);
  if (!handler) {
    handler = createMcpHandler(() => buildMcpServer(context, requestRecorder), {
      legacy: "reject",
      responseMode: response,
    });
    byMode.set(response, handler);
  }
  return handler;
}

/**
 * Serves one Streamable HTTP exchange statelessly (a fresh server per request, as the SDK does for
 * stateless serving) and decorates the answer: `ratelimit-*` headers from the calls it carried, and,
 * in `http_429` mode, an upstream 429 turned into HTTP 429 with `Retry-After` on the MCP request.
 */
export async function serveStreamable(
  request: Request,
  parsedBody: unknown,
  context: GatewayContext,
  modes: { rateLimit: RateLimitMode; response: ResponseMode },
): Promise<StreamableAnswer> {
  const recorder: CallRecorder = new Map();
  let response: Response;
  if (await isLegacyRequest(request, parsedBody)) {
    // 2025-era clients: the SDK's stateless transport, JSON or SSE as configured.
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: modes.response === "json",
    });
    const server = buildMcpServer(context, recorder);
    await server.connect(transport);
    response = await transport.handleRequest(request, { parsedBody });
  } else {
    const handler = handlerFor(context, modes.response);
    response = await currentRecorder.run(recorder, () => handler.fetch(request, { parsedBody }));
  }
  // The body is read to the end (SSE included) so the calls it answers are known before the headers go out.
  const body = Buffer.from(await response.arrayBuffer());
  if (request.method !== "POST") return { status: response.status, headers: response.headers, body };
  return decorate(response, body, recorder, modes.rateLimit, requestsIn(parsedBody));
}

/** The exchange's answer, its body read whole. */
export interface StreamableAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** JSON-RPC requests (messages with a method and an id) in a POST body, batch or single. */
function requestsIn(parsedBody: unknown): number {
  const messages = Array.isArray(parsedBody) ? parsedBody : [parsedBody];
  return messages.filter((m) => typeof m === "object" && m !== null && "method" in m && "id" in m).length;
}

function decorate(
  response: Response,
  body: Buffer,
  recorder: CallRecorder,
  mode: RateLimitMode,
  requests: number,
): StreamableAnswer {
  const answer = httpAnswerOf([...recorder.values()], mode, requests);
  if ("status" in answer) {
    return {
      status: 429,
      headers: new Headers({ "content-type": "application/json", ...answer.headers }),
      body: Buffer.from(answer.body),
    };
  }
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(answer.headers)) headers.set(name, value);
  return { status: response.status, headers, body };
}
