import { STATUS_CODES } from "node:http";
import { type CursorCodec, nextLinkPath } from "./cursor.js";
import { fromOktaHeaders, type RateLimitInfo } from "./rate-limit.js";
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
  | { ok: true; status: number; result: unknown; nextCursor?: string | null; rateLimit?: RateLimitInfo }
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

export async function callUpstream(
  tool: GatewayTool,
  args: Record<string, unknown>,
  upstream: Upstream,
  cursors: CursorCodec,
): Promise<CallOutcome> {
  const request = buildRequest(tool, args, cursors);
  if ("error" in request) return localError(400, request.error);
  let response: Response;
  try {
    response = await fetch(`${upstream.baseUrl.replace(/\/$/, "")}${request.pathAndQuery}`, {
      method: request.method,
      headers: {
        authorization: `SSWS ${upstream.token}`,
        accept: "application/json",
        ...(request.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: request.body !== undefined ? JSON.stringify(request.body) : undefined,
      signal: AbortSignal.timeout(upstream.timeoutMs ?? 30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return localError(
      502,
      `The upstream Okta request failed before an answer (${cause}); it may or may not have run.`,
    );
  }
  const rateLimit = fromOktaHeaders(response.headers);
  const text = await response.text();
  let body: unknown = null;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      const outcome = localError(502, `Okta answered HTTP ${response.status} with a body that is not JSON.`);
      return { ...outcome, rateLimit };
    }
  }
  if (!response.ok)
    return { ok: false, status: response.status, envelope: remoteEnvelope(response, body), rateLimit };
  if (tool.spec.method === "list") {
    const next = nextLinkPath(response.headers.get("link"));
    return {
      ok: true,
      status: response.status,
      result: body,
      nextCursor: next ? cursors.encode(next) : null,
      rateLimit,
    };
  }
  return { ok: true, status: response.status, result: response.status === 204 ? null : body, rateLimit };
}

function remoteEnvelope(response: Response, body: unknown): ErrorEnvelope {
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
    const value = response.headers.get(name);
    if (value !== null) forwarded[name] = value;
  }
  return {
    statusCode: response.status,
    error: STATUS_CODES[response.status] ?? "Error",
    message: [okta?.errorSummary ?? `Okta answered HTTP ${response.status}`, ...causes].join(". "),
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

/** Maps flat tool arguments onto Okta's path, query and body; names what is wrong otherwise. */
function buildRequest(
  tool: GatewayTool,
  args: Record<string, unknown>,
  cursors: CursorCodec,
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

  if (typeof args.next_cursor === "string" && args.next_cursor !== "") {
    const pathAndQuery = cursors.decode(args.next_cursor);
    if (!pathAndQuery) {
      return {
        error:
          "next_cursor is not one this gateway issued (was it changed?). Pass it back exactly as received, or omit it to start over.",
      };
    }
    return { method: "GET", pathAndQuery };
  }

  let path = tool.spec.path;
  const query = new URLSearchParams();
  const body: Record<string, unknown> = {};
  for (const param of tool.spec.params) {
    const value = args[param.name];
    if (value === undefined || value === null) continue;
    if (param.in === "path") path = path.replace(`{${param.name}}`, encodeURIComponent(String(value)));
    else if (param.in === "query") query.set(param.oktaName ?? param.name, String(value));
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
