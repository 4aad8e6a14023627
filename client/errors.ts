import type { ToolResultLike } from "./backoff/result-signal.js";

/** The call was refused for its rate limit and waiting longer was not allowed (or its deadline came). */
export class RateLimitedError extends Error {
  override name = "RateLimitedError";
  constructor(
    readonly tool: string,
    /** How long the server asked to wait, when it said. */
    readonly retryAfterMs: number | undefined,
    reason: string,
  ) {
    super(
      `${tool}: rate limited (${reason})${retryAfterMs !== undefined ? `; retry after ${Math.ceil(retryAfterMs)} ms` : ""}`,
    );
  }
}

/** The client was closed while the call waited, slept or ran; nothing more was sent for it. */
export class ClientClosedError extends Error {
  override name = "ClientClosedError";
  constructor(readonly tool?: string) {
    super(`${tool ? `${tool}: ` : ""}the paceline client was closed`);
  }
}

/**
 * The budget shared through Redis could not be read: the server at `address` (scheme, host and
 * port, never a password) is down or unreachable. Calls fail rather than run unshared.
 */
export class SharedLimiterError extends Error {
  override name = "SharedLimiterError";
  constructor(
    readonly address: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the shared limiter's Redis at ${address} is unavailable: ${reason}`, options);
  }
}

/** A short, plain-text form of an error page: tags stripped, whitespace collapsed, at most 200 characters. */
export function shortBody(text: unknown): string {
  if (typeof text !== "string") return "";
  let plain = text;
  try {
    // A JSON error body: its message is the part worth reading.
    const parsed = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } | unknown };
    const message =
      parsed?.message ?? (parsed?.error as { message?: unknown } | undefined)?.message ?? parsed?.error;
    if (typeof message === "string") plain = message;
  } catch {
    // Not JSON: an HTML or text page.
  }
  plain = plain
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > 200 ? `${plain.slice(0, 199)}…` : plain;
}

/**
 * The MCP server answered the call with an HTTP error (a 5xx, say) that paceline did not retry:
 * the status and a short plain-text body, never the raw page.
 */
export class ServerError extends Error {
  override name = "ServerError";
  constructor(
    readonly tool: string,
    readonly server: string,
    readonly status: number,
    readonly body: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${tool}: ${server} answered HTTP ${status}${body ? ` (${body})` : ""}; ${reason}`, options);
  }
}

/**
 * There is no MCP server at this URL any more (HTTP 404 or 410): an expired or deleted gateway
 * URL. The gateway's own words are kept in `serverMessage`.
 */
export class ServerGoneError extends Error {
  override name = "ServerGoneError";
  constructor(
    readonly server: string,
    readonly status: number,
    readonly serverMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${server} has no MCP server at this URL (HTTP ${status})${serverMessage ? `: ${serverMessage}` : ""}`,
      options,
    );
  }
}

/** The server could not be reached, or the connection broke with the call's outcome unknown. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
  constructor(
    readonly tool: string,
    /** The MCP server's URL (without query or credentials). */
    readonly server: string,
    /** The network error code (`ECONNREFUSED`, `ECONNRESET`, …). */
    readonly code: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${tool}: cannot reach ${server} (${code}): ${reason}`, options);
  }
}

/** The server refused the client's credentials (401) or their rights (403) while connecting. */
export class AuthenticationError extends Error {
  override name = "AuthenticationError";
  constructor(
    readonly status: 401 | 403 | number,
    /** The MCP server's origin (gateway URLs carry tokens in the path). */
    readonly server: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${server} refused the connection with HTTP ${status} (${status === 401 ? "authentication failed: check the URL's token and any Authorization header" : "forbidden: the credentials lack the rights"})`,
      options,
    );
  }
}

/** A list tool answered a page with an error result; the result is attached. */
export class ToolResultError extends Error {
  override name = "ToolResultError";
  constructor(
    readonly tool: string,
    readonly result: ToolResultLike,
  ) {
    super(`${tool} returned an error result: ${summarize(result)}`);
  }
}

function summarize(result: ToolResultLike): string {
  const block = Array.isArray(result.content)
    ? (result.content[0] as { text?: unknown } | undefined)
    : undefined;
  return typeof block?.text === "string" ? block.text.slice(0, 300) : "(no text)";
}
