import { isUtf8 } from "node:buffer";
import type { IncomingHttpHeaders } from "node:http";
import { STATUS_CODES } from "node:http";
import { Agent, type Dispatcher, request as undiciRequest } from "undici";
import { type CursorCodec, cursorBinding, nextLinkPath } from "./cursor.js";
import { fromOktaHeaders, type HeaderReader, type RateLimitInfo } from "./rate-limit.js";
import type { GatewayTool } from "./tools.js";

/**
 * One tool call proxied to Okta over HTTP: arguments become path, query and body; the answer
 * becomes the gateway's result shape or its error envelope. Never retried: the gateway passes
 * every upstream failure, 429 included, straight back.
 */
export interface Upstream {
  /** Okta's base URL, e.g. `http://127.0.0.1:4000` or `https://acme.okta.com`. */
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

/**
 * An upstream with its connections: one agent per gateway (`upstreamAgent`), closed with it. A
 * process-wide agent would keep a pool, its sockets and their last buffers, for every harness ever
 * started.
 */
export type ConnectedUpstream = Upstream & { dispatcher: Dispatcher };

export interface ErrorEnvelope {
  statusCode: number;
  error: string;
  message: string;
  truto_is_remote_error: boolean;
  raw_response?: unknown;
  /** Upstream rate-limit headers, forwarded. */
  headers?: Record<string, string>;
}

export type CallOutcome =
  | {
      ok: true;
      status: number;
      result: unknown;
      /** `result` as Okta's own JSON (validated by parsing it), text and bytes, so it is not serialised again. */
      resultJson: string;
      resultBytes: Buffer;
      nextCursor?: string | null;
      rateLimit?: RateLimitInfo;
    }
  | { ok: false; status: number; envelope: ErrorEnvelope; rateLimit?: RateLimitInfo };

/** A call the gateway refuses before reaching Okta (bad arguments, tampered cursor). */
export function localError(status: number, message: string): CallOutcome {
  return {
    ok: false,
    status,
    envelope: {
      statusCode: status,
      error: STATUS_CODES[status] ?? "Error",
      message,
      truto_is_remote_error: false,
    },
  };
}

export interface CursorScope {
  codec: CursorCodec;
  /** The MCP server the call came through: its cursors are valid there only. */
  serverId: string;
}

/**
 * Okta's answers can carry long headers (a long filter echoed in two `Link` URLs is over 20 KB);
 * Node's default 16 KiB limit would turn a 200 into a failed call. Read what Okta can send.
 */
export const upstreamAgent = (): Agent => new Agent({ maxHeaderSize: 256 * 1024 });
const NULL_BYTES = Buffer.from("null");
/** How much of a non-JSON error page `raw_response` keeps. */
const RAW_TEXT_LIMIT = 2048;

export async function callUpstream(
  tool: GatewayTool,
  args: Record<string, unknown>,
  upstream: ConnectedUpstream,
  cursors: CursorScope,
): Promise<CallOutcome> {
  const binding = cursorBinding(cursors.serverId, tool.name, args);
  const request = buildRequest(tool, args, cursors.codec, binding);
  if ("error" in request) return localError(400, request.error);
  const url = new URL(`${upstream.baseUrl.replace(/\/$/, "")}${request.pathAndQuery}`);
  // Defence in depth: the URL's path is exactly the one built, nothing resolved or normalised away.
  if (
    url.pathname !==
    new URL(upstream.baseUrl).pathname.replace(/\/$/, "") + request.pathAndQuery.split("?")[0]
  )
    return localError(400, `The arguments for ${tool.name} do not make a valid Okta path.`);
  let status: number;
  let headers: HeaderReader;
  let bytes: Buffer;
  try {
    // undici's request(), not fetch(): the same client without WHATWG streams and objects per call.
    const response = await undiciRequest(url, {
      dispatcher: upstream.dispatcher,
      method: request.method as "GET",
      headers: {
        authorization: `SSWS ${upstream.token}`,
        accept: "application/json",
        ...(request.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: request.body !== undefined ? JSON.stringify(request.body) : undefined,
      signal: AbortSignal.timeout(upstream.timeoutMs ?? 30_000),
    });
    status = response.statusCode;
    headers = headerReader(response.headers);
    bytes = Buffer.from(await response.body.arrayBuffer());
  } catch (error) {
    const failure = error as Error & { code?: string; cause?: { code?: string } };
    const cause = failure.code ?? failure.cause?.code ?? failure.name;
    return localError(
      502,
      `The upstream Okta request failed before an answer (${cause}); it may or may not have run.`,
    );
  }
  const rateLimit = fromOktaHeaders(headers);
  const text = bytes.toString();
  const ok = status >= 200 && status < 300;
  let body: unknown = null;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      // A success the gateway cannot read is its own failure; an upstream error page (an edge's
      // HTML 413 or 503) is still Okta's error, passed back with its status, as Truto passes them.
      if (ok) {
        const outcome = localError(502, `Okta answered HTTP ${status} with a body that is not JSON.`);
        return { ...outcome, rateLimit };
      }
      body = text.length > RAW_TEXT_LIMIT ? `${text.slice(0, RAW_TEXT_LIMIT)}…` : text;
    }
  }
  if (!ok) return { ok: false, status, envelope: remoteEnvelope(status, headers, body), rateLimit };
  const empty = status === 204 || text === "";
  const resultJson = empty ? "null" : text;
  // Spliced as they came only when they are what was parsed: invalid UTF-8 was decoded with
  // replacement characters, so the text's own encoding goes out instead.
  const resultBytes = empty ? NULL_BYTES : isUtf8(bytes) ? bytes : Buffer.from(text);
  if (tool.spec.method === "list") {
    const next = nextLinkPath(headers.get("link"));
    return {
      ok: true,
      status,
      result: body,
      resultJson,
      resultBytes,
      nextCursor: next ? cursors.codec.encode(next, binding) : null,
      rateLimit,
    };
  }
  return { ok: true, status, result: status === 204 ? null : body, resultJson, resultBytes, rateLimit };
}

/** One header of Node's plain header object, repeated ones joined with ", " as `Headers` does. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** undici's plain header object read like `Headers`. */
function headerReader(headers: IncomingHttpHeaders): HeaderReader {
  return { get: (name) => headerValue(headers, name) ?? null };
}

function remoteEnvelope(status: number, headers: HeaderReader, body: unknown): ErrorEnvelope {
  const okta = body as { errorSummary?: string; errorCauses?: { errorSummary?: string }[] } | null;
  const causes = okta?.errorCauses?.map((c) => c.errorSummary).filter(Boolean) ?? [];
  const forwarded: Record<string, string> = {};
  for (const name of [
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
    "retry-after",
    "x-okta-request-id",
  ]) {
    const value = headers.get(name);
    if (value !== null) forwarded[name] = value;
  }
  return {
    statusCode: status,
    error: STATUS_CODES[status] ?? "Error",
    message: [
      okta?.errorSummary ??
        `Okta answered HTTP ${status}${typeof body === "string" ? ` (${headers.get("content-type") ?? "no content type"})` : ""}`,
      ...causes,
    ].join(". "),
    truto_is_remote_error: true,
    raw_response: body,
    headers: forwarded,
  };
}

interface UpstreamRequest {
  method: string;
  pathAndQuery: string;
  body?: Record<string, unknown>;
}

/**
 * What a path argument may be: an Okta id (`00u…`) or a login (an email-like name). No separator,
 * no dot segment, no percent-encoding, no control or space character can reach the path, so no
 * argument can change which endpoint is called (a `..` would walk out of a filtered server's tools).
 */
const PATH_VALUE = /^[A-Za-z0-9_@+\-.'!$&*=~]{1,255}$/;

function pathValueProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== "string" && typeof value !== "number")
    return `${name} must be a string (an Okta id or login), got ${Array.isArray(value) ? "an array" : typeof value}.`;
  const text = String(value);
  if (text === "." || text === ".." || !PATH_VALUE.test(text))
    return `${name} is not an Okta id or login: ${JSON.stringify(text.slice(0, 80))}. Use the exact id (00u…, 00g…) or login from a list tool.`;
  return undefined;
}

/** The path a tool's arguments fill in, or what is wrong with them. */
function toolPath(tool: GatewayTool, args: Record<string, unknown>): string | { error: string } {
  let path = tool.spec.path;
  for (const param of tool.spec.params) {
    if (param.in !== "path") continue;
    const value = args[param.name];
    if (value === undefined || value === null) continue;
    const problem = pathValueProblem(param.name, value);
    if (problem) return { error: problem };
    path = path.replace(`{${param.name}}`, encodeURIComponent(String(value)));
  }
  return path;
}

/** Maps flat tool arguments onto Okta's path, query and body; names what is wrong otherwise. */
function buildRequest(
  tool: GatewayTool,
  args: Record<string, unknown>,
  cursors: CursorCodec,
  binding: string,
): UpstreamRequest | { error: string } {
  const known = new Set(Object.keys(tool.inputSchema.properties));
  const unknown = Object.keys(args).filter((key) => !known.has(key));
  if (unknown.length > 0)
    return {
      error: `Unknown argument(s) for ${tool.name}: ${unknown.join(", ")}. Allowed: ${[...known].join(", ")}.`,
    };
  const missing = tool.inputSchema.required.filter(
    (key) => args[key] === undefined || args[key] === null || args[key] === "",
  );
  if (missing.length > 0)
    return { error: `Missing required argument(s) for ${tool.name}: ${missing.join(", ")}.` };
  const path = toolPath(tool, args);
  if (typeof path !== "string") return path;

  if (typeof args.next_cursor === "string" && args.next_cursor !== "") {
    const decoded = cursors.decode(args.next_cursor, binding);
    if (decoded && "expired" in decoded)
      return {
        error: `next_cursor has expired (this gateway's cursors last ${Math.round((cursors.ttlMs ?? 0) / 1000)} s). Omit it to start the listing over.`,
      };
    const pathAndQuery = decoded?.pathAndQuery;
    // Bound to this server, tool and arguments, and pointing at this tool's own path.
    if (!pathAndQuery || pathAndQuery.split("?")[0] !== path) {
      return {
        error:
          "next_cursor is not one this tool issued for these arguments (was it changed, or from another tool?). Pass it back exactly as received, with the same other arguments, or omit it to start over.",
      };
    }
    return { method: "GET", pathAndQuery };
  }

  const query = new URLSearchParams();
  const body: Record<string, unknown> = {};
  for (const param of tool.spec.params) {
    const value = args[param.name];
    if (value === undefined || value === null || param.in === "path") continue;
    if (param.in === "query") query.set(param.oktaName ?? param.name, String(value));
    else body[param.oktaName ?? param.name] = value;
  }
  if (tool.spec.method === "list" && args.limit !== undefined) query.set("limit", String(args.limit));
  const search = query.toString();
  const hasBody = tool.spec.params.some((p) => p.in === "body");
  return {
    method: tool.spec.http,
    pathAndQuery: search ? `${path}?${search}` : path,
    body: hasBody ? body : undefined,
  };
}
