import {
  type CallToolResult,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type Tool,
} from "@modelcontextprotocol/server";
import type { CursorCodec } from "./cursor.js";
import { type CallOutcome, type ConnectedUpstream, callUpstream } from "./proxy.js";
import { type RateLimitInfo, rateLimitHeaders, tightest } from "./rate-limit.js";
import type { GatewayTool } from "./tools.js";

/** What each tools/call of an exchange learnt about rate limits, by JSON-RPC request id. */
export interface CallRecord {
  rateLimit?: RateLimitInfo;
  /** Set when the upstream answered 429. */
  limited?: CallOutcome & { ok: false };
}
export type CallRecorder = Map<string | number, CallRecord>;

export type RateLimitMode = "tool_result" | "http_429";

/**
 * What the calls of one HTTP exchange put on its answer: in `http_429` mode, when every request of
 * the exchange was refused with an upstream 429, that 429 becomes the answer itself (HTTP 429,
 * `Retry-After`); otherwise (a batch where anything ran, or `tool_result` mode) the results go back
 * with the tightest `ratelimit-*` headers, so no result of a call that ran is dropped.
 */
export function httpAnswerOf(
  records: CallRecord[],
  mode: RateLimitMode,
  /** The JSON-RPC requests (messages with an id) the exchange carried. */
  requests: number,
): { status: 429; headers: Record<string, string>; body: string } | { headers: Record<string, string> } {
  const limited = records.find((r) => r.limited)?.limited;
  const allRefused = requests > 0 && records.length === requests && records.every((r) => r.limited);
  if (mode === "http_429" && limited && allRefused) {
    return {
      status: 429,
      headers: {
        "retry-after": String(limited.rateLimit?.reset ?? 1),
        ...(limited.rateLimit ? rateLimitHeaders(limited.rateLimit) : {}),
      },
      body: JSON.stringify(limited.envelope),
    };
  }
  const info = tightest(records.flatMap((r) => (r.rateLimit ? [r.rateLimit] : [])));
  return { headers: info ? rateLimitHeaders(info) : {} };
}

export interface GatewayContext {
  /** The MCP server these tools belong to (cursors are bound to it). */
  serverId: string;
  tools: GatewayTool[];
  upstream: ConnectedUpstream;
  cursors: CursorCodec;
  /** `both`: structuredContent and its JSON as text; `text`: the text block only. */
  resultContent?: "both" | "text";
  /** Which answers carry the budget: every one (default), only 429s, or none. */
  rateLimitReporting?: "always" | "on_429" | "never";
  /** The tools by name, and as tools/list lists them: built with the context, not per request. */
  byName: Map<string, GatewayTool>;
  listed: Tool[];
}

/** A server's context, built once per server: what serves its requests is derived here. */
export function gatewayContext(fields: Omit<GatewayContext, "byName" | "listed">): GatewayContext {
  return {
    ...fields,
    byName: new Map(fields.tools.map((tool) => [tool.name, tool])),
    listed: fields.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputSchema as Tool["inputSchema"],
      annotations: tool.annotations,
      _meta: { tags: tool.tags },
    })),
  };
}

/** Calls Okta for one of the server's tools: the outcome, and what it adds to the exchange's answer. */
export async function callServerTool(
  context: GatewayContext,
  tool: GatewayTool,
  args: Record<string, unknown>,
): Promise<{ outcome: CallOutcome; record: CallRecord }> {
  const upstream = await callUpstream(tool, args, context.upstream, {
    codec: context.cursors,
    serverId: context.serverId,
  });
  const refused = !upstream.ok && upstream.status === 429;
  const reporting = context.rateLimitReporting ?? "always";
  // The budget leaves the gateway only on the answers its reporting setting names.
  const reported = reporting === "always" || (reporting === "on_429" && refused);
  const outcome = reported ? upstream : { ...upstream, rateLimit: undefined };
  const limited = !outcome.ok && refused ? outcome : undefined;
  return { outcome, record: { rateLimit: outcome.rateLimit, limited } };
}

/**
 * A low-level MCP server over the generated tools: tools/list from data, tools/call through the
 * proxy. 2025-era stateless serving needs one per exchange (the SDK's transport is not reusable);
 * what it serves is built once per server (`gatewayContext`).
 */
export function buildMcpServer(context: GatewayContext, recorder: Pick<CallRecorder, "set">): Server {
  const server = new Server({ name: "paceline-gateway", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler("tools/list", async () => ({ tools: context.listed }));
  server.setRequestHandler("tools/call", async (request, ctx) => {
    const tool = context.byName.get(request.params.name);
    if (!tool)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    const { outcome, record } = await callServerTool(context, tool, args);
    recorder.set(ctx.mcpReq.id, record);
    return toToolResult(tool, outcome, context.resultContent);
  });
  return server;
}

/**
 * The gateway's result shapes: `{result, next_cursor}` for lists, `{result}` otherwise, and for
 * failures an `isError` result carrying the error envelope. Both as structured and text content;
 * rate-limit state also under `_meta.ratelimit`.
 */
export function toToolResult(
  tool: GatewayTool,
  outcome: CallOutcome,
  resultContent: "both" | "text" = "both",
): CallToolResult {
  const meta = outcome.rateLimit ? { _meta: { ratelimit: outcome.rateLimit } } : {};
  const body: Record<string, unknown> = outcome.ok
    ? tool.spec.method === "list"
      ? { result: outcome.result, next_cursor: outcome.nextCursor ?? null }
      : { result: outcome.result }
    : (outcome.envelope as unknown as Record<string, unknown>);
  return {
    ...meta,
    ...(outcome.ok ? {} : { isError: true }),
    content: [{ type: "text", text: resultBodyJson(tool, outcome) }],
    ...(resultContent === "both" ? { structuredContent: body } : {}),
  };
}

/**
 * The result body as JSON text, spliced from Okta's own text rather than re-serialising the parsed
 * result: a 200-user page is 340 KB, and every serialisation of it costs about a millisecond.
 */
export function resultBodyJson(tool: GatewayTool, outcome: CallOutcome): string {
  const [before, , after] = resultBodyParts(tool, outcome);
  return `${before}${outcome.ok ? outcome.resultJson : JSON.stringify(outcome.envelope)}${after}`;
}

/** The result body's JSON around the result: `[before, result bytes, after]`. */
export function resultBodyParts(tool: GatewayTool, outcome: CallOutcome): [string, Buffer, string] {
  if (!outcome.ok) return ["", Buffer.from(JSON.stringify(outcome.envelope)), ""];
  if (tool.spec.method !== "list") return ['{"result":', outcome.resultBytes, "}"];
  return ['{"result":', outcome.resultBytes, `,"next_cursor":${JSON.stringify(outcome.nextCursor ?? null)}}`];
}
