import { describe, expect, it } from "vitest";
import { inspectResult } from "./result-signal.js";
import {
  type AttemptHistory,
  backoffDelay,
  classifyError,
  classifyResult,
  type Failure,
  isRetryable,
  retryStep,
  toolSafety,
} from "./retry-policy.js";

const READ = toolSafety("list_all_okta_users");
const WRITE = toolSafety("okta_users_suspend");
const IDEMPOTENT_WRITE = toolSafety("create_a_okta_group_member", {
  readOnlyHint: false,
  idempotentHint: true,
});

describe("which failures are retried", () => {
  const cases: [Failure, boolean, boolean, boolean][] = [
    // failure, read, idempotent write, write
    [{ kind: "rate_limited", waitMs: 1000 }, true, true, true],
    // Nothing listens: a read gets a few quick tries, a write fails at once (issue #9).
    [{ kind: "refused" }, true, false, false],
    [{ kind: "unavailable", status: 503 }, true, true, false],
    [{ kind: "unavailable", status: 502 }, true, true, false],
    [{ kind: "lost", reason: "timeout" }, true, true, false],
    [{ kind: "lost", reason: "reset" }, true, true, false],
    [{ kind: "fatal" }, false, false, false],
  ];
  it.each(cases)("%j: read %s, idempotent write %s, write %s", (failure, read, idempotent, write) => {
    expect(isRetryable(failure, READ)).toBe(read);
    expect(isRetryable(failure, IDEMPOTENT_WRITE)).toBe(idempotent);
    expect(isRetryable(failure, WRITE)).toBe(write);
  });

  it("knows reads by annotation first, then by the list_/get_ convention", () => {
    expect(toolSafety("get_single_okta_user_by_id")).toEqual({ readOnly: true, idempotent: true });
    expect(toolSafety("list_all_okta_users", { readOnlyHint: false })).toEqual({
      readOnly: false,
      idempotent: false,
    });
    expect(toolSafety("audit_everything", { readOnlyHint: true })).toEqual({
      readOnly: true,
      idempotent: true,
    });
    expect(toolSafety("okta_users_suspend")).toEqual({ readOnly: false, idempotent: false });
  });
});

describe("classifying what happened", () => {
  it("reads a 429 isError result, with the wait from _meta or forwarded headers", () => {
    const now = Date.parse("2026-11-28T12:00:00Z");
    const result = {
      isError: true,
      structuredContent: {
        statusCode: 429,
        truto_is_remote_error: true,
        headers: { "x-rate-limit-reset": String(now / 1000 + 4) },
      },
      _meta: { ratelimit: { limit: 60, remaining: 0 } },
    };
    const inspection = inspectResult(result, now);
    expect(inspection.signal).toEqual({ limit: 60, remaining: 0, resetMs: 4000 });
    expect(classifyResult(inspection, true)).toEqual({
      kind: "rate_limited",
      waitMs: 4000,
      concurrency: false,
    });
  });

  it("reads the envelope from JSON text when there is no structured content", () => {
    const result = {
      isError: true,
      content: [{ type: "text", text: JSON.stringify({ statusCode: 503, error: "Service Unavailable" }) }],
    };
    expect(classifyResult(inspectResult(result), true)).toEqual({ kind: "unavailable", status: 503 });
  });

  it("a permanent error result or a success is not a retryable failure", () => {
    expect(
      classifyResult(inspectResult({ isError: true, structuredContent: { statusCode: 400 } }), true),
    ).toBeUndefined();
    expect(
      classifyResult(inspectResult({ isError: true, content: [{ type: "text", text: "boom" }] }), true),
    ).toBeUndefined();
    expect(classifyResult(inspectResult({ structuredContent: { result: [] } }), false)).toBeUndefined();
  });

  it.each([
    [
      "HTTP 429 on the MCP request (SDK v2 error)",
      Object.assign(new Error("Error POSTing"), { status: 429 }),
      { httpStatus: 429, waitMs: 2000 },
      { kind: "rate_limited", waitMs: 2000 },
    ],
    [
      "HTTP 429 on the legacy SSE POST",
      new Error("Error POSTing to endpoint (HTTP 429): {}"),
      {},
      { kind: "rate_limited" },
    ],
    [
      "HTTP 503 on the MCP request",
      Object.assign(new Error("x"), { status: 503 }),
      {},
      { kind: "unavailable", status: 503 },
    ],
    [
      "connection refused",
      new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }),
      {},
      { kind: "refused" },
    ],
    [
      "connection reset",
      new TypeError("fetch failed"),
      { networkCode: "ECONNRESET" },
      { kind: "lost", reason: "reset" },
    ],
    [
      "the SDK's request timeout",
      Object.assign(new Error("Request timed out"), { code: "REQUEST_TIMEOUT" }),
      {},
      { kind: "lost", reason: "timeout" },
    ],
    ["a protocol error", Object.assign(new Error("Unknown tool"), { code: -32602 }), {}, { kind: "fatal" }],
  ])("%s", (_name, error, facts, expected) => {
    expect(classifyError(error, facts)).toEqual(expected);
  });
});

describe("backoff with full jitter", () => {
  it("is uniform below min(cap, base·2^attempt)", () => {
    expect(backoffDelay(0, { baseMs: 100, capMs: 10_000 }, () => 0.999)).toBe(99);
    expect(backoffDelay(3, { baseMs: 100, capMs: 10_000 }, () => 0.5)).toBe(400);
    expect(backoffDelay(20, { baseMs: 100, capMs: 10_000 }, () => 0.5)).toBe(5000);
    expect(backoffDelay(5, { baseMs: 100, capMs: 10_000 }, () => 0)).toBe(0);
  });
});

describe("the retry step (a delay, or why not)", () => {
  const T = 1_000_000;
  const at = (failures: number, now: number, extra: Partial<AttemptHistory> = {}): AttemptHistory => ({
    failures,
    sameKind: failures,
    rateLimited: 0,
    startedAt: T,
    now,
    ...extra,
  });
  const noJitter = () => 0.5;

  it("a 429 waits for the server's reset and holds the bucket; 429s are not counted against `retries`", () => {
    const step = retryStep(
      { kind: "rate_limited", waitMs: 2000 },
      READ,
      at(20, T + 100, { rateLimited: 20 }),
      {},
      noJitter,
    );
    expect(step).toEqual({ retry: true, delayMs: 2000, holdsBucket: true });
  });

  it("one deadline from the call's start: a wait that would end past it is refused", () => {
    // First sent at T; now T + 119 s; a 2 s wait would end past the 120 s deadline.
    const step = retryStep(
      { kind: "rate_limited", waitMs: 2000 },
      READ,
      at(3, T + 119_000, { rateLimited: 3 }),
    );
    expect(step).toMatchObject({ retry: false, why: expect.stringContaining("deadline") });
  });

  it("a concurrency 429 backs off (jittered) instead of waiting for Okta's estimated reset", () => {
    const step = retryStep(
      { kind: "rate_limited", waitMs: 1000, concurrency: true },
      READ,
      at(1, T),
      {},
      noJitter,
    );
    // Full jitter: 0.5 × min(20 s, 250 ms · 2^0) = 125 ms.
    expect(step).toEqual({ retry: true, delayMs: 125, holdsBucket: false });
  });

  it("a server wait above maxWaitMs fails fast", () => {
    const step = retryStep({ kind: "rate_limited", waitMs: 90_000 }, READ, at(1, T));
    expect(step).toMatchObject({ retry: false, why: expect.stringContaining("maxWaitMs") });
  });

  it("a refused connection: two quick retries for a read, none for a write", () => {
    expect(retryStep({ kind: "refused" }, READ, at(2, T), {}, noJitter)).toMatchObject({ retry: true });
    expect(retryStep({ kind: "refused" }, READ, at(3, T))).toMatchObject({ retry: false });
    expect(retryStep({ kind: "refused" }, WRITE, at(1, T))).toMatchObject({ retry: false });
  });

  it("a timed-out read is retried once (it may be slow, not lost)", () => {
    expect(retryStep({ kind: "lost", reason: "timeout" }, READ, at(1, T), {}, noJitter)).toMatchObject({
      retry: true,
    });
    expect(retryStep({ kind: "lost", reason: "timeout" }, READ, at(2, T))).toMatchObject({ retry: false });
  });

  it("retries: 0 turns every retry off, 429s included; other failures count against `retries`", () => {
    expect(retryStep({ kind: "rate_limited", waitMs: 10 }, READ, at(1, T), { retries: 0 })).toMatchObject({
      retry: false,
    });
    expect(retryStep({ kind: "unavailable", status: 503 }, READ, at(3, T), { retries: 2 })).toMatchObject({
      retry: false,
      why: "2 retries exhausted",
    });
  });
});
