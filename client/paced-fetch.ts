import { setTimeout as sleep } from "node:timers/promises";
import { BucketLimiter, type LimiterOptions } from "./backoff/bucket-limiter.js";
import { parseRateLimitHeaders, waitFromSignal } from "./backoff/rate-limit-headers.js";
import { inspectResult, type ToolResultLike } from "./backoff/result-signal.js";
import {
  classifyError,
  classifyResult,
  type Failure,
  FailureLog,
  networkCodeOf,
  type RetryOptions,
  retryStep,
  type ToolSafety,
  toolSafety,
} from "./backoff/retry-policy.js";

/**
 * paceline inside any MCP client: a `fetch` for the MCP SDK's transports (and the frameworks built
 * on them). Each `tools/call` POST is paced by its bucket, its rate-limit headers are read, and a
 * 429 — an HTTP 429, or a JSON-RPC result with `isError` and status 429, in a JSON or an SSE
 * answer — is waited out and sent again; other failures are retried only where that cannot repeat
 * a side effect (the tool's annotations, learnt from the `tools/list` answers this fetch has seen).
 * Every other request passes through untouched. The limiter and the retry step are the ones
 * `PacedClient` uses.
 */
export interface PacedFetchOptions {
  /** The fetch underneath. Default: the global one. */
  fetch?: typeof fetch;
  limiter?: LimiterOptions & { bucketOf?: (tool: string, safety: ToolSafety) => string };
  retry?: RetryOptions;
}

export interface PacedFetchStats {
  /** tools/call requests seen, HTTP attempts made for them, retries, 429s met. */
  calls: number;
  attempts: number;
  retries: number;
  rateLimited: number;
}

export type PacedFetch = typeof fetch & {
  stats(): PacedFetchStats;
  /** Stops the limiter's timers (and its Redis connection). */
  close(): Promise<void>;
};

interface ToolCallRequest {
  id: unknown;
  name: string;
}

/** The JSON-RPC request in a POST body, when it is one. */
function jsonRpcOf(
  init: RequestInit | undefined,
): { method?: string; id?: unknown; params?: { name?: unknown } } | undefined {
  if (init?.method?.toUpperCase() !== "POST" || typeof init.body !== "string") return undefined;
  try {
    const message = JSON.parse(init.body) as unknown;
    return message && typeof message === "object" && !Array.isArray(message) ? (message as never) : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON-RPC messages of an answer: one JSON body, or the `data:` lines of an SSE stream. */
function messagesOf(text: string, contentType: string | null): Record<string, unknown>[] {
  const parse = (chunk: string) => {
    try {
      const value = JSON.parse(chunk) as unknown;
      return (Array.isArray(value) ? value : [value]).filter((m) => m && typeof m === "object");
    } catch {
      return [];
    }
  };
  if (contentType?.includes("text/event-stream"))
    return text
      .split(/\r?\n\r?\n/)
      .map((event) =>
        event
          .split(/\r?\n/)
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trimStart())
          .join("\n"),
      )
      .flatMap(parse);
  return parse(text);
}

export function pacedFetch(options: PacedFetchOptions = {}): PacedFetch {
  const base = options.fetch ?? globalThis.fetch;
  const limiter = new BucketLimiter(options.limiter);
  const safety = new Map<string, ToolSafety>();
  const stats: PacedFetchStats = { calls: 0, attempts: 0, retries: 0, rateLimited: 0 };

  /** Tool annotations from a tools/list answer: which tools are reads, which are idempotent. */
  const learn = async (response: Response) => {
    try {
      for (const message of messagesOf(await response.text(), response.headers.get("content-type"))) {
        const tools = (message.result as { tools?: { name: string; annotations?: object }[] } | undefined)
          ?.tools;
        for (const tool of tools ?? []) safety.set(tool.name, toolSafety(tool.name, tool.annotations));
      }
    } catch {
      // An answer that cannot be read teaches nothing; the client gets it unchanged anyway.
    }
  };

  /** One attempt on the wire, reported to the limiter; the answer rebuilt so it can be read again. */
  const attempt = (
    call: ToolCallRequest,
    declared: string,
    input: Parameters<typeof fetch>[0],
    init: RequestInit | undefined,
  ) =>
    limiter.schedule(declared, async (ticket) => {
      const sentAt = Date.now();
      stats.attempts++;
      let response: Response;
      try {
        response = await base(input, init);
      } catch (thrown) {
        ticket.unanswered();
        return {
          thrown,
          failure: classifyError(thrown, { networkCode: networkCodeOf(thrown) }),
          receivedAt: Date.now(),
        };
      }
      const receivedAt = Date.now();
      const text = await response.text();
      const headerSignal = parseRateLimitHeaders(response.headers, receivedAt);
      const result = messagesOf(text, response.headers.get("content-type")).find(
        (m) => m.id === call.id && "result" in m,
      )?.result as ToolResultLike | undefined;
      const inspection = result ? inspectResult(result, receivedAt) : undefined;
      let failure: Failure | undefined;
      if (response.status === 429 || (response.status >= 500 && response.status <= 504))
        failure = classifyError(undefined, {
          httpStatus: response.status,
          waitMs: waitFromSignal(headerSignal),
          concurrency: headerSignal?.limit === 0 && headerSignal.remaining === 0,
        });
      else if (result)
        failure = classifyResult(inspection ?? {}, (result as { isError?: boolean }).isError === true);
      const signal = { ...headerSignal, ...inspection?.signal };
      const outcome = { sentAt, receivedAt, signal: Object.keys(signal).length > 0 ? signal : undefined };
      if (failure?.kind === "rate_limited") {
        stats.rateLimited++;
        if (failure.concurrency) ticket.concurrencyRefused(outcome);
        else ticket.refused(outcome);
      } else ticket.answered(outcome);
      const rebuilt = new Response(text, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
      return { response: rebuilt, failure, receivedAt };
    });

  const paced = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const request = jsonRpcOf(init);
    if (request?.method !== "tools/call" || typeof request.params?.name !== "string") {
      const response = await base(input, init);
      if (request?.method === "tools/list" && response.ok) await learn(response.clone());
      return response;
    }
    const call: ToolCallRequest = { id: request.id, name: request.params.name };
    const toolSafetyNow = safety.get(call.name) ?? toolSafety(call.name);
    const declared = options.limiter?.bucketOf?.(call.name, toolSafetyNow) ?? call.name;
    stats.calls++;
    let firstSentAt: number | undefined;
    const log = new FailureLog();
    for (;;) {
      const outcome = await attempt(call, declared, input, init);
      firstSentAt ??= outcome.receivedAt;
      const { failure } = outcome;
      if (!failure) {
        if (outcome.response) return outcome.response;
        throw outcome.thrown;
      }
      const { history } = log.record(failure, firstSentAt, outcome.receivedAt);
      const step = retryStep(failure, toolSafetyNow, history, options.retry);
      // Given up: the client sees the last answer (or error) as it came.
      if (!step.retry) {
        if (outcome.response) return outcome.response;
        throw outcome.thrown;
      }
      stats.retries++;
      // A paced bucket holds the call in its queue until the refill; otherwise it waits its own delay.
      if (!(step.holdsBucket && limiter.pacing))
        await sleep(step.delayMs, undefined, init?.signal ? { signal: init.signal } : undefined);
    }
  };
  return Object.assign(paced as typeof fetch, {
    stats: () => ({ ...stats }),
    close: () => limiter.close(),
  });
}
