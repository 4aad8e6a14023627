import type { IncomingHttpHeaders } from "node:http";
import { isJsonContentType, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/server";
import { headerValue } from "./proxy.js";
import {
  callServerTool,
  type GatewayContext,
  httpAnswerOf,
  type RateLimitMode,
  resultBodyJson,
  resultBodyParts,
} from "./tool-server.js";
import type { GatewayTool } from "./tools.js";

/**
 * The gateway's hot path: one JSON-RPC `tools/call` from a 2025-era client (the SDK v2 client
 * speaks 2025-11-25), answered in JSON without the SDK's per-request server and transport, and
 * with the result serialised once, Okta's own JSON text spliced in. A 200-user page is 340 KB;
 * through the SDK it was parsed once and serialised three times (text, structured, the message).
 *
 * Only the plainest exchange qualifies; initialize, tools/list, batches, notifications, SSE
 * responses, `_meta`, 2026-era requests and anything malformed go to the SDK, which stays the
 * reference: `fast-tool-call.test.ts` sends the same exchanges both ways and compares the answers.
 */
export interface ToolCallRequest {
  id: string | number;
  tool: GatewayTool;
  args: Record<string, unknown>;
}

export interface PlainAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const legacyVersions = new Set<string>(SUPPORTED_PROTOCOL_VERSIONS);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(value).every((key) => allowed.includes(key));
}

/** The call, when this exchange qualifies for the fast path; undefined sends it to the SDK. */
export function plainToolCall(
  headers: IncomingHttpHeaders,
  body: unknown,
  context: GatewayContext,
): ToolCallRequest | undefined {
  const accept = headerValue(headers, "accept") ?? "";
  if (!accept.includes("application/json") || !accept.includes("text/event-stream")) return undefined;
  if (!isJsonContentType(headerValue(headers, "content-type") ?? null)) return undefined;
  if (!legacyVersions.has(headerValue(headers, "mcp-protocol-version") ?? "")) return undefined;
  if (!isPlainObject(body) || !onlyKeys(body, ["jsonrpc", "method", "params", "id"])) return undefined;
  if (body.jsonrpc !== "2.0" || body.method !== "tools/call") return undefined;
  const id = body.id;
  if (typeof id !== "string" && !Number.isSafeInteger(id)) return undefined;
  const params = body.params;
  if (!isPlainObject(params) || !onlyKeys(params, ["name", "arguments"])) return undefined;
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) return undefined;
  const tool = typeof params.name === "string" ? context.byName.get(params.name) : undefined;
  if (!tool) return undefined;
  return { id: id as string | number, tool, args: (params.arguments ?? {}) as Record<string, unknown> };
}

/** Calls Okta and answers as the SDK's JSON response would, byte for byte but for Okta's whitespace. */
export async function answerToolCall(
  call: ToolCallRequest,
  context: GatewayContext,
  mode: RateLimitMode,
): Promise<PlainAnswer> {
  const { tool, id } = call;
  const { outcome, record } = await callServerTool(context, tool, call.args);
  const answer = httpAnswerOf([record], mode, 1);
  if ("status" in answer)
    return {
      status: 429,
      headers: { "content-type": "application/json", ...answer.headers },
      // Bytes, as the SDK path sends them: Fastify would add a charset to a string's content type.
      body: Buffer.from(answer.body),
    };
  // The key order of toToolResult's object and of the SDK's message, so both paths send the same text.
  // The structured copy is Okta's bytes as they came, not a string to encode again.
  const text = resultBodyJson(tool, outcome);
  let head = '{"result":{';
  if (outcome.rateLimit) head += `"_meta":${JSON.stringify({ ratelimit: outcome.rateLimit })},`;
  if (!outcome.ok) head += `"isError":true,`;
  head += `"content":[{"type":"text","text":${JSON.stringify(text)}}]`;
  const tail = `},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`;
  const parts: Buffer[] = [Buffer.from(head)];
  if ((context.resultContent ?? "both") === "both") {
    const [before, result, after] = resultBodyParts(tool, outcome);
    parts.push(Buffer.from(`,"structuredContent":${before}`), result, Buffer.from(after));
  }
  parts.push(Buffer.from(tail));
  return {
    status: 200,
    headers: { "content-type": "application/json", ...answer.headers },
    body: Buffer.concat(parts),
  };
}
