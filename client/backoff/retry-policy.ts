import type { ResultInspection } from "./result-signal.js";

/**
 * Which failures are retried, as a table of guarantees. A retry must never repeat a side effect:
 *
 * | failure       | what it proves                         | reads | idempotent writes | other writes |
 * |---------------|----------------------------------------|-------|-------------------|--------------|
 * | rate_limited  | refused before running (429)           | yes   | yes               | yes          |
 * | refused       | the connection never opened            | yes   | yes               | yes          |
 * | unavailable   | 502/503/504: may or may not have run   | yes   | yes               | no           |
 * | lost          | sent, then timeout or reset: unknown   | yes   | yes               | no           |
 * | fatal         | anything else (400, 404, a bug…)       | no    | no                | no           |
 */
export type Failure =
  | { kind: "rate_limited"; waitMs?: number }
  | { kind: "refused" }
  | { kind: "unavailable"; status: number }
  | { kind: "lost"; reason: "timeout" | "reset" }
  | { kind: "fatal" };

export interface ToolSafety {
  readOnly: boolean;
  idempotent: boolean;
}

/** What the transport saw of the HTTP exchange for one call (filled in by the client's fetch). */
export interface TransportFacts {
  httpStatus?: number;
  /** Network error code (`ECONNREFUSED`, `ECONNRESET`, …) when fetch failed. */
  networkCode?: string;
  waitMs?: number;
}

/** Reads are `readOnlyHint` tools, or by the gateway's convention `list_…`/`get_…`. */
export function toolSafety(
  name: string,
  annotations?: { readOnlyHint?: boolean; idempotentHint?: boolean },
): ToolSafety {
  const readOnly = annotations?.readOnlyHint ?? /^(list|get)_/.test(name);
  return { readOnly, idempotent: readOnly || annotations?.idempotentHint === true };
}

export function isRetryable(failure: Failure, safety: ToolSafety): boolean {
  switch (failure.kind) {
    case "rate_limited":
    case "refused":
      return true;
    case "unavailable":
    case "lost":
      return safety.idempotent;
    case "fatal":
      return false;
  }
}

const TRANSIENT = new Set([502, 503, 504]);

/** A failed `isError` result that is worth a retry, or undefined for success or a permanent error. */
export function classifyResult(inspection: ResultInspection, isError: boolean): Failure | undefined {
  if (!isError) return undefined;
  if (inspection.status === 429)
    return { kind: "rate_limited", waitMs: inspection.signal?.retryAfterMs ?? inspection.signal?.resetMs };
  if (inspection.status !== undefined && TRANSIENT.has(inspection.status))
    return { kind: "unavailable", status: inspection.status };
  return undefined;
}

/** A thrown call: an HTTP status on the MCP request, a network error, or the SDK's timeout. */
export function classifyError(error: unknown, facts: TransportFacts): Failure {
  const status = facts.httpStatus ?? httpStatusOf(error);
  if (status === 429) return { kind: "rate_limited", waitMs: facts.waitMs };
  if (status !== undefined && TRANSIENT.has(status)) return { kind: "unavailable", status };
  const code = facts.networkCode ?? networkCodeOf(error);
  if (code === "ECONNREFUSED") return { kind: "refused" };
  if (isTimeout(error)) return { kind: "lost", reason: "timeout" };
  if (code !== undefined) return { kind: "lost", reason: "reset" };
  return { kind: "fatal" };
}

function httpStatusOf(error: unknown): number | undefined {
  const e = error as { status?: unknown; data?: { status?: unknown }; message?: unknown };
  if (typeof e?.status === "number") return e.status;
  if (typeof e?.data?.status === "number") return e.data.status;
  // The legacy SSE transport only says it in the message.
  const match = /\(HTTP (\d{3})\)/.exec(String(e?.message ?? ""));
  return match ? Number(match[1]) : undefined;
}

export function networkCodeOf(error: unknown): string | undefined {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.code === "string" && /^(E[A-Z]+|UND_ERR_\w+)$/.test(current.code)) return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

function isTimeout(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  return (
    e?.code === "REQUEST_TIMEOUT" || e?.name === "TimeoutError" || /timed out/i.test(String(e?.message ?? ""))
  );
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)). */
export function backoffDelay(
  attempt: number,
  options: { baseMs: number; capMs: number },
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(options.capMs, options.baseMs * 2 ** attempt));
}
