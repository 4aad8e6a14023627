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
