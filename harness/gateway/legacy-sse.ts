import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResponse,
  type JSONRPCMessage,
  type Transport,
} from "@modelcontextprotocol/server";
import {
  buildMcpServer,
  type CallRecorder,
  type GatewayContext,
  httpAnswerOf,
  type RateLimitMode,
} from "./tool-server.js";

/**
 * The legacy HTTP+SSE transport (MCP 2024-11-05) for old clients: `GET …/sse` opens the event
 * stream and names the endpoint to POST to; answers travel on the stream. The POST is held until
 * its calls are answered, so its `202` can carry the `ratelimit-*` headers — or, in `http_429`
 * mode, become the 429 itself (the result is then not sent on the stream).
 */
class LegacySseTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly sessionId = randomUUID();
  private readonly held = new Map<string | number, (message: JSONRPCMessage) => void>();

  constructor(private readonly stream: ServerResponse) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    const id = "id" in message && !("method" in message) ? message.id : undefined;
    const hold = id !== undefined ? this.held.get(id) : undefined;
    if (id !== undefined && hold) {
      this.held.delete(id);
      hold(message);
      return;
    }
    this.write(message);
  }

  write(message: JSONRPCMessage): void {
    this.stream.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** Resolves with the answer to request `id` instead of streaming it; the caller decides. */
  hold(id: string | number): Promise<JSONRPCMessage> {
    return new Promise((resolve) => this.held.set(id, resolve));
  }

  async close(): Promise<void> {
    this.stream.end();
    this.onclose?.();
  }
}

interface Session {
  transport: LegacySseTransport;
  recorder: CallRecorder;
  serverId: string;
  mode: RateLimitMode;
}

export interface PostAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class LegacySseSessions {
  private readonly sessions = new Map<string, Session>();

  /** Opens a stream: writes the `endpoint` event naming where to POST. */
  async open(
    stream: ServerResponse,
    postPath: string,
    serverId: string,
    context: GatewayContext,
    mode: RateLimitMode,
  ): Promise<void> {
    stream.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    const transport = new LegacySseTransport(stream);
    const recorder: CallRecorder = new Map();
    const server = buildMcpServer(context, recorder);
    await server.connect(transport);
    this.sessions.set(transport.sessionId, { transport, recorder, serverId, mode });
    stream.on("close", () => {
      this.sessions.delete(transport.sessionId);
      void server.close();
    });
    stream.write(`event: endpoint\ndata: ${postPath}?sessionId=${transport.sessionId}\n\n`);
  }

  async post(sessionId: string, serverId: string, body: unknown): Promise<PostAnswer> {
    const session = this.sessions.get(sessionId);
    if (!session || session.serverId !== serverId)
      return { status: 404, headers: {}, body: "Unknown or closed SSE session." };
    const problem = invalidMessages(body);
    if (problem)
      return {
        status: 400,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          error: { code: -32600, message: `Invalid Request: ${problem}` },
          id: null,
        }),
      };
    const messages = (Array.isArray(body) ? body : [body]) as JSONRPCMessage[];
    const ids = messages.flatMap((m) => ("method" in m && "id" in m ? [m.id] : []));
    const answers = ids.map((id) => session.transport.hold(id));
    for (const message of messages) session.transport.onmessage?.(message);
    const responses = await Promise.all(answers);
    const records = ids.flatMap((id) => {
      const record = session.recorder.get(id);
      session.recorder.delete(id);
      return record ? [record] : [];
    });
    const answer = httpAnswerOf(records, session.mode, ids.length);
    // In http_429 mode the 429 is the answer, and the result is not sent on the stream.
    if ("status" in answer) return answer;
    for (const response of responses) session.transport.write(response);
    return { status: 202, headers: answer.headers, body: "Accepted" };
  }
}

/**
 * Why a POSTed body is not JSON-RPC the transport can carry, or undefined: every message a request,
 * a notification or a response, request ids strings or integers, none twice in one batch. Checked
 * before anything runs, as on the Streamable HTTP path, so every POST is answered.
 */
function invalidMessages(body: unknown): string | undefined {
  const messages = Array.isArray(body) ? body : [body];
  if (messages.length === 0) return "an empty batch";
  const ids = new Set<string>();
  for (const message of messages) {
    if (!isJSONRPCRequest(message) && !isJSONRPCNotification(message) && !isJSONRPCResponse(message))
      return "each message must be a JSON-RPC 2.0 request, notification or response";
    if (!isJSONRPCRequest(message)) continue;
    const id = message.id as unknown;
    if (typeof id !== "string" && !Number.isInteger(id)) return "a request id must be a string or an integer";
    const key = JSON.stringify(id);
    if (ids.has(key)) return `the id ${key} appears twice in one batch`;
    ids.add(key);
  }
  return undefined;
}
