import type { ResultInspection } from "./result-signal.js";

/**
 * Which failures are retried, as a table of guarantees. A retry must never repeat a side effect:
 *
 * | failure       | what it proves                         | reads | idempotent writes | other writes |
 * |---------------|----------------------------------------|-------|-------------------|--------------|
 * | rate_limited  | refused before running (429)           | yes   | yes               | yes          |
 * | refused       | the connection never opened            | yes   | no (fail fast)    | no           |
 * | unavailable   | 502/503/504: may or may not have run   | yes   | yes               | no           |
 * | lost          | sent, then timeout or reset: unknown   | yes   | yes               | no           |
 * | fatal         | anything else (400, 404, a bug…)       | no    | no                | no           |
 */
export type Failure =
  | { kind: "rate_limited"; waitMs?: number; concurrency?: boolean }
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
  /** The 429 was the org's concurrency limit (limit and remaining both 0), not a bucket's. */
  concurrency?: boolean;
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
      return true;
    // Nothing listens: a few quick tries for a read, and a write fails at once with the cause.
    case "refused":
      return safety.readOnly;
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
  if (inspection.status === 429) {
    const signal = inspection.signal;
    const concurrency = signal?.limit === 0 && signal.remaining === 0;
    return { kind: "rate_limited", waitMs: signal?.retryAfterMs ?? signal?.resetMs, concurrency };
  }
  if (inspection.status !== undefined && TRANSIENT.has(inspection.status))
    return { kind: "unavailable", status: inspection.status };
  return undefined;
}

/** A thrown call: an HTTP status on the MCP request, a network error, or the SDK's timeout. */
export function classifyError(error: unknown, facts: TransportFacts): Failure {
  const status = facts.httpStatus ?? httpStatusOf(error);
  if (status === 429) return { kind: "rate_limited", waitMs: facts.waitMs, concurrency: facts.concurrency };
  if (status !== undefined && TRANSIENT.has(status)) return { kind: "unavailable", status };
  const code = facts.networkCode ?? networkCodeOf(error);
  if (code === "ECONNREFUSED") return { kind: "refused" };
  if (isTimeout(error)) return { kind: "lost", reason: "timeout" };
  if (code !== undefined) return { kind: "lost", reason: "reset" };
  return { kind: "fatal" };
}

/** The HTTP status an MCP SDK error carries, where it carries one. */
export function httpStatusOf(error: unknown): number | undefined {
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

export interface RetryOptions {
  /**
   * Retries per call at most, 429s not counted (the deadline bounds them: a refused call never
   * ran). Default 8. 0 turns every retry off, 429s included.
   */
  retries?: number;
  /**
   * One deadline for the whole call, from its first admission attempt (waits for budget, slots,
   * backoff and every attempt included): the call settles by then, whatever the server says. Default 120 s.
   */
  deadlineMs?: number;
  /**
   * No attempt starts with less than this left before the deadline: a write sent with a 1 ms
   * timeout would run on the server while its caller is told it timed out. Default 1 s, and at
   * most half of `deadlineMs`.
   */
  minAttemptMs?: number;
  /** First backoff step when the server gives no wait. Default 250 ms; doubles, full jitter. */
  baseDelayMs?: number;
  /** Largest backoff step. Default 20 s. */
  maxDelayMs?: number;
  /** A server-requested wait longer than this fails fast with RateLimitedError. Default 60 s. */
  maxWaitMs?: number;
  /** Quick retries of a read whose connection was refused. Default 2. */
  refusedRetries?: number;
  /** Retries of a read that timed out (it may be slow, not lost). Default 1. */
  timeoutRetries?: number;
}

export const RETRY_DEFAULTS: Required<RetryOptions> = {
  retries: 8,
  deadlineMs: 120_000,
  minAttemptMs: 1000,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  maxWaitMs: 60_000,
  refusedRetries: 2,
  timeoutRetries: 1,
};

/**
 * A call's failed attempts so far, for `retryStep`: how many, of which kind, how many were 429s.
 * One per call; `PacedClient` and `pacedFetch` both keep one.
 */
export class FailureLog {
  private failures = 0;
  private readonly kinds = new Map<string, number>();

  /** Records a failed attempt; returns the call's history with it, and its kind (a concurrency 429 is its own). */
  record(failure: Failure, startedAt: number, now: number): { history: AttemptHistory; kind: string } {
    this.failures++;
    const kind = failure.kind === "rate_limited" && failure.concurrency ? "concurrency" : failure.kind;
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    const history = {
      failures: this.failures,
      sameKind: this.kinds.get(kind) ?? 0,
      rateLimited: (this.kinds.get("rate_limited") ?? 0) + (this.kinds.get("concurrency") ?? 0),
      startedAt,
      now,
    };
    return { history, kind };
  }
}

/** Where a call stands after a failed attempt. */
export interface AttemptHistory {
  /** Failed attempts so far, this one included (1 after the first). */
  failures: number;
  /** Failures of this same kind so far, this one included. */
  sameKind: number;
  /** Of the failures, how many were 429s. */
  rateLimited: number;
  /** When the call first asked to be admitted (its deadline runs from then), and now. */
  startedAt: number;
  now: number;
}

export type RetryStep =
  | {
      retry: true;
      delayMs: number /** The bucket holds every queued call until then (a 429). */;
      holdsBucket: boolean;
    }
  | { retry: false; why: string };

/**
 * The retry step as ky's calculateRetryDelay: a delay, or why not. A 429 waits for the server's
 * reset (the bucket holds its queue meanwhile); a concurrency 429 only backs off (a slot frees
 * sooner than Okta's estimated reset); other retryable failures back off exponentially.
 */
export function retryStep(
  failure: Failure,
  safety: ToolSafety,
  history: AttemptHistory,
  options: RetryOptions = {},
  random: () => number = Math.random,
): RetryStep {
  const o = { ...RETRY_DEFAULTS, ...options };
  if (!isRetryable(failure, safety)) return { retry: false, why: "not safe to retry" };
  if (o.retries === 0) return { retry: false, why: "retries are off" };
  // 429s are bounded by the deadline, not the count: a refused call never ran.
  if (failure.kind !== "rate_limited" && history.failures - history.rateLimited > o.retries)
    return { retry: false, why: `${o.retries} retries exhausted` };
  if (failure.kind === "refused" && history.sameKind > o.refusedRetries)
    return { retry: false, why: "the connection was refused" };
  if (failure.kind === "lost" && failure.reason === "timeout" && history.sameKind > o.timeoutRetries)
    return { retry: false, why: "timed out" };
  const backoff = backoffDelay(history.failures - 1, { baseMs: o.baseDelayMs, capMs: o.maxDelayMs }, random);
  let delayMs = backoff;
  let holdsBucket = false;
  if (failure.kind === "rate_limited" && !failure.concurrency) {
    if (failure.waitMs !== undefined && failure.waitMs > o.maxWaitMs)
      return { retry: false, why: `the server asks for ${failure.waitMs} ms, more than maxWaitMs` };
    if (failure.waitMs !== undefined && failure.waitMs > 0) {
      delayMs = failure.waitMs;
      holdsBucket = true;
    } else {
      // No wait, a wait of 0 or one in the past: never at once (that is a storm). Equal jitter
      // keeps a floor of half the step: uniform in [step/2, step).
      const step = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (history.failures - 1));
      delayMs = Math.floor(step / 2 + random() * (step / 2));
    }
  }
  if (failure.kind === "refused") delayMs = Math.min(backoff, 200);
  // One attempt more must also fit: it needs minAttemptMs of its own before the deadline.
  if (history.now + delayMs + o.minAttemptMs - history.startedAt > o.deadlineMs)
    return {
      retry: false,
      why: `the call's deadline (${o.deadlineMs} ms from its start) would pass${failure.kind === "rate_limited" && delayMs > 0 ? ` before the ${delayMs} ms wait ends` : ""}`,
    };
  return { retry: true, delayMs, holdsBucket };
}
