import { parseRateLimitHeaders, waitFromSignal } from "./backoff/rate-limit-headers.js";
import { inspectResult, type ToolResultLike } from "./backoff/result-signal.js";
import {
  classifyError,
  classifyResult,
  type Failure,
  networkCodeOf,
  type RetryOptions,
  type ToolSafety,
  toolSafety,
} from "./backoff/retry-policy.js";
import type { AttemptAnswer, AttemptContext } from "./engine/call-engine.js";
import { type LimiterOptions, realTimeEngine } from "./engine/limiter-options.js";

/**
 * paceline inside any MCP client: a `fetch` for the MCP SDK's transports (and the frameworks built
 * on them). Each `tools/call` POST is paced by its bucket, its rate-limit headers are read, and a
 * 429 — an HTTP 429, or a JSON-RPC result with `isError` and status 429, in a JSON or an SSE
 * answer — is waited out and sent again; other failures are retried only where that cannot repeat
 * a side effect (the tool's annotations, learnt from the `tools/list` answers this fetch has seen).
 * Every other request passes through untouched. The calls run in the same call engine as
 * `PacedClient`'s: a call the SDK gives up on (its timeout or abort, as `init.signal` or as a
 * `notifications/cancelled` naming the request) leaves its queue at once or is aborted on the wire,
 * and frees its slot.
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

/** The id a `notifications/cancelled` names: the SDK gave up on that request (its timeout or abort). */
function cancelledIdOf(request: ReturnType<typeof jsonRpcOf>): unknown {
  if (request?.method !== "notifications/cancelled") return undefined;
  return (request.params as { requestId?: unknown } | undefined)?.requestId;
}

export function pacedFetch(options: PacedFetchOptions = {}): PacedFetch {
  const base = options.fetch ?? globalThis.fetch;
  const engine = realTimeEngine(options.limiter, options.retry);
  const safety = new Map<string, ToolSafety>();
  /** Calls queued or in flight, by JSON-RPC id: a cancellation from the SDK ends the one it names. */
  const pending = new Map<string, AbortController>();

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

  /** One attempt on the wire, classified; the answer rebuilt so it can be read again. */
  const send = async (
    call: ToolCallRequest,
    input: Parameters<typeof fetch>[0],
    init: RequestInit,
    attempt: AttemptContext,
  ): Promise<AttemptAnswer<Response>> => {
    let response: Response;
    let text: string;
    try {
      // The attempt's signal: the caller's, the SDK's cancellation, the deadline and close().
      response = await base(input, { ...init, signal: attempt.signal });
      // Reading the body under the same signal frees the slot when the caller gives up on a slow one.
      text = await response.text();
    } catch (thrown) {
      return {
        thrown,
        answered: false,
        failure: classifyError(thrown, { networkCode: networkCodeOf(thrown) }),
      };
    }
    const receivedAt = Date.now();
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
    const rebuilt = new Response(text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    return {
      value: rebuilt,
      answered: true,
      failure,
      signal: Object.keys(signal).length > 0 ? signal : undefined,
      via: response.status === 429 ? "http" : "result",
    };
  };

  const paced = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const request = jsonRpcOf(init);
    const cancelled = cancelledIdOf(request);
    if (cancelled !== undefined)
      pending
        .get(JSON.stringify(cancelled))
        ?.abort(new DOMException("The MCP client cancelled the request", "AbortError"));
    if (request?.method !== "tools/call" || typeof request.params?.name !== "string") {
      const response = await base(input, init);
      if (request?.method === "tools/list" && response.ok) await learn(response.clone());
      return response;
    }
    const call: ToolCallRequest = { id: request.id, name: request.params.name };
    const toolSafetyNow = safety.get(call.name) ?? toolSafety(call.name);
    const declared = options.limiter?.bucketOf?.(call.name, toolSafetyNow);
    const cancel = new AbortController();
    const key = JSON.stringify(call.id);
    pending.set(key, cancel);
    try {
      return await engine.run<Response>({
        tool: call.name,
        bucket: declared ?? call.name,
        declared: declared !== undefined,
        safety: toolSafetyNow,
        signal: init?.signal ? AbortSignal.any([init.signal, cancel.signal]) : cancel.signal,
        send: (attempt) => send(call, input, init ?? {}, attempt),
        // Given up: the client sees the last answer (or error) as it came.
        giveUp: (last) => {
          if (last.value) return last.value;
          throw last.thrown;
        },
      });
    } finally {
      if (pending.get(key) === cancel) pending.delete(key);
    }
  };
  return Object.assign(paced as typeof fetch, {
    stats: () => {
      const { calls, attempts, retries, rateLimited } = engine.stats();
      return { calls, attempts, retries, rateLimited };
    },
    close: () => engine.close(),
  });
}
