import { AsyncLocalStorage } from "node:async_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type CallToolResult,
  Client,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Tool,
} from "@modelcontextprotocol/client";
import pRetry from "p-retry";
import { BucketLimiter, type LimiterOptions } from "./backoff/bucket-limiter.js";
import { oktaBucketOf } from "./backoff/okta-buckets.js";
import { parseRateLimitHeaders, type RateLimitSignal, waitFromSignal } from "./backoff/rate-limit-headers.js";
import { inspectResult } from "./backoff/result-signal.js";
import {
  backoffDelay,
  classifyError,
  classifyResult,
  type Failure,
  isRetryable,
  networkCodeOf,
  type ToolSafety,
  type TransportFacts,
  toolSafety,
} from "./backoff/retry-policy.js";
import { readPage } from "./cursor/page.js";
import { CursorLoop, type PaginateOptions, type StopReason } from "./cursor/paginate.js";
import { RateLimitedError, ToolResultError } from "./errors.js";
import { TypedEmitter } from "./events.js";
import { OpenAIAdapter } from "./openai.js";

export interface RetryOptions {
  /** Retries per call at most. Default 8. */
  retries?: number;
  /** Total time a call may spend retrying. Default 120 s. */
  maxRetryTimeMs?: number;
  /** First backoff step when the server gives no wait. Default 250 ms; doubles, full jitter. */
  baseDelayMs?: number;
  /** Largest backoff step. Default 20 s. */
  maxDelayMs?: number;
  /** A server-requested wait longer than this fails fast with RateLimitedError. Default 60 s. */
  maxWaitMs?: number;
}

export interface PaginationOptions extends PaginateOptions {
  /** The argument that carries the cursor. Default `next_cursor`. */
  cursorArgument?: string;
  /** The OpenAI adapter drains list tools for the model and returns one merged result. */
  autoDrain?: boolean;
}

export interface ConnectOptions {
  /** Extra HTTP headers on every request (e.g. `Authorization: Bearer <api token>`). */
  headers?: Record<string, string>;
  /** Default `auto`: Streamable HTTP, falling back to legacy SSE if the server refuses it. */
  transport?: "auto" | "streamable-http" | "sse";
  retry?: RetryOptions;
  limiter?: LimiterOptions & {
    /** Which budget a tool spends. Default: its Okta resource, reads and writes apart. */
    bucketOf?: (tool: string, safety: ToolSafety) => string;
  };
  pagination?: PaginationOptions;
  /** Aborts every wait, retry and call of this client. */
  signal?: AbortSignal;
  /** Per-call timeout. Default 60 s (the SDK's). */
  timeoutMs?: number;
  clientInfo?: { name: string; version: string };
  /** The fetch the transport uses (tests pass nock-intercepted or instrumented ones). */
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ClientStats {
  /** Tool calls asked for. */
  calls: number;
  /** HTTP attempts made for them. */
  attempts: number;
  retries: number;
  /** 429s received, either way they arrive. */
  rateLimited: number;
  /** Milliseconds spent waiting for budget or backing off, summed over calls. */
  waitedMs: number;
  pages: number;
}

export interface Drained<T> {
  items: T[];
  stopReason: StopReason;
  pages: number;
  /** True when a cap (maxItems, maxPages) cut the listing short. */
  truncated: boolean;
}

/**
 * Default bucket: the Okta rate-limit bucket the tool's endpoint counts against (Okta's published
 * table); for a tool that table does not know, the resource it touches, reads and writes apart.
 */
export function defaultBucketOf(tool: string, safety: ToolSafety): string {
  const okta = oktaBucketOf(tool, safety);
  if (okta) return okta;
  let resource = tool
    .replace(/^(list_all|get_single|create_a|update_a|delete_a)_okta_/, "")
    .replace(/_by_id$/, "");
  if (resource === tool && tool.startsWith("okta_")) resource = tool.slice(5).replace(/_[a-z]+$/, "");
  if (!resource.endsWith("s")) resource += "s";
  return `${resource}:${safety.readOnly ? "read" : "write"}`;
}

class AttemptFailure extends Error {
  constructor(
    readonly failure: Failure,
    readonly sentAt: number,
    readonly result?: CallToolResult,
    readonly original?: unknown,
  ) {
    super(`attempt failed: ${failure.kind}`);
  }
}

/**
 * An MCP client for rate-limited gateways: every call is paced by its bucket's budget, retried
 * where that cannot repeat a side effect, and list tools are driven through their cursors.
 */
export class PacedClient extends TypedEmitter {
  private readonly facts = new AsyncLocalStorage<TransportFacts & { signal?: RateLimitSignal }>();
  private readonly limiter: BucketLimiter;
  private readonly tools = new Map<string, Tool>();
  private readonly counters: ClientStats = {
    calls: 0,
    attempts: 0,
    retries: 0,
    rateLimited: 0,
    waitedMs: 0,
    pages: 0,
  };
  readonly openai: OpenAIAdapter;
  private sdk?: Client;

  constructor(
    readonly url: string,
    readonly options: ConnectOptions = {},
  ) {
    super();
    this.limiter = new BucketLimiter(options.limiter, (event) => {
      this.counters.waitedMs += event.waitedMs;
      this.emit("throttled", event);
    });
    this.openai = new OpenAIAdapter(this);
  }

  /** A fetch that records, for the call running in this async context, the HTTP status and rate-limit headers. */
  private trackingFetch(): typeof fetch {
    const base = this.options.fetch ?? fetch;
    return async (input, init) => {
      const facts = this.facts.getStore();
      try {
        const response = await base(input, init);
        if (facts && init?.method === "POST") {
          facts.httpStatus = response.status;
          const signal = parseRateLimitHeaders(response.headers);
          if (signal) {
            facts.signal = signal;
            facts.waitMs = waitFromSignal(signal);
          }
        }
        return response;
      } catch (error) {
        if (facts) facts.networkCode = networkCodeOf(error) ?? "EUNKNOWN";
        throw error;
      }
    };
  }

  async connect(): Promise<this> {
    const kind = this.options.transport ?? "auto";
    const init = this.options.headers ? { headers: this.options.headers } : undefined;
    const open = async (sse: boolean) => {
      const client = new Client(this.options.clientInfo ?? { name: "paceline", version: "0.1.0" });
      const transport = sse
        ? new SSEClientTransport(new URL(this.url), { fetch: this.trackingFetch(), requestInit: init })
        : new StreamableHTTPClientTransport(new URL(this.url), {
            fetch: this.trackingFetch(),
            requestInit: init,
          });
      await client.connect(transport);
      return client;
    };
    if (kind === "sse") this.sdk = await open(true);
    else if (kind === "streamable-http") this.sdk = await open(false);
    else {
      try {
        this.sdk = await open(false);
      } catch (error) {
        const status = (error as { status?: number }).status;
        // The spec's backwards-compatibility rule: a 4xx to the initialize POST means try legacy SSE.
        if (status === undefined || status < 400 || status >= 500) throw error;
        this.sdk = await open(true);
      }
    }
    await this.refreshTools();
    return this;
  }

  /** The gateway's tools (every page), cached for their annotations. */
  async refreshTools(): Promise<Tool[]> {
    this.tools.clear();
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor ? { cursor } : undefined);
      for (const tool of page.tools) this.tools.set(tool.name, tool);
      cursor = page.nextCursor;
    } while (cursor);
    return [...this.tools.values()];
  }

  listTools(): Tool[] {
    return [...this.tools.values()];
  }

  private get client(): Client {
    if (!this.sdk) throw new Error("paceline: call connect() first");
    return this.sdk;
  }

  safetyOf(tool: string): ToolSafety {
    return toolSafety(tool, this.tools.get(tool)?.annotations);
  }

  bucketOf(tool: string): string {
    return (this.options.limiter?.bucketOf ?? defaultBucketOf)(tool, this.safetyOf(tool));
  }

  /**
   * Calls a tool: paced by its bucket, retried where safe. Resolves with the tool's result,
   * `isError` results included; throws RateLimitedError when the wait would be too long or the
   * retries run out on 429s, and the transport's error when a failure may not be retried.
   */
  async callTool(
    name: string,
    args: Record<string, unknown> = {},
    callOptions: CallOptions = {},
  ): Promise<CallToolResult> {
    const safety = this.safetyOf(name);
    const bucket = this.bucketOf(name);
    const retry = this.options.retry ?? {};
    const signal = anySignal(this.options.signal, callOptions.signal);
    const timeout = callOptions.timeoutMs ?? this.options.timeoutMs;
    this.counters.calls++;
    this.emit("call", { tool: name, args });

    const attempt = async (): Promise<CallToolResult> => {
      this.counters.attempts++;
      const facts: TransportFacts & { signal?: RateLimitSignal } = {};
      const callOptionsForSdk = { ...(timeout ? { timeout } : {}), ...(signal ? { signal } : {}) };
      let sentAt = Date.now();
      let result: CallToolResult;
      try {
        result = await this.limiter.schedule(bucket, () => {
          sentAt = Date.now();
          return this.facts.run(facts, () =>
            this.client.callTool({ name, arguments: args }, callOptionsForSdk),
          );
        });
      } catch (error) {
        await this.limiter.observe(bucket, facts.signal, sentAt);
        throw this.failed(name, bucket, classifyError(error, facts), "http", sentAt, undefined, error);
      }
      const inspection = inspectResult(result);
      const rateSignal = { ...inspection.signal, ...facts.signal };
      await this.limiter.observe(bucket, Object.keys(rateSignal).length > 0 ? rateSignal : undefined, sentAt);
      const failure = classifyResult(inspection, result.isError === true);
      if (failure) throw this.failed(name, bucket, failure, "result", sentAt, result);
      return result;
    };

    try {
      return await pRetry(attempt, {
        retries: retry.retries ?? 8,
        maxRetryTime: retry.maxRetryTimeMs ?? 120_000,
        minTimeout: 0,
        signal,
        shouldRetry: async ({ error, attemptNumber }) => {
          const { failure, sentAt } = error as AttemptFailure;
          if (!(error instanceof AttemptFailure) || !isRetryable(failure, safety)) return false;
          const backoff = backoffDelay(attemptNumber - 1, {
            baseMs: retry.baseDelayMs ?? 250,
            capMs: retry.maxDelayMs ?? 20_000,
          });
          const serverWait = failure.kind === "rate_limited" ? failure.waitMs : undefined;
          if (serverWait !== undefined && serverWait > (retry.maxWaitMs ?? 60_000)) {
            throw new RateLimitedError(name, serverWait, `the server asks for a wait longer than maxWaitMs`);
          }
          this.counters.retries++;
          this.emit("retry", {
            tool: name,
            attempt: attemptNumber,
            delayMs: serverWait ?? backoff,
            reason: failure.kind,
          });
          if (serverWait !== undefined && this.limiter.pacing) {
            // The bucket holds this call and every other queued for it until the reset.
            await this.limiter.exhaust(bucket, serverWait, sentAt);
          } else {
            const started = performance.now();
            await sleep(serverWait ?? backoff, undefined, signal ? { signal } : undefined);
            this.counters.waitedMs += performance.now() - started;
          }
          return true;
        },
      });
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error;
      if (error.failure.kind === "rate_limited") {
        throw new RateLimitedError(name, error.failure.waitMs, "retries exhausted");
      }
      if (error.result) return error.result;
      throw error.original;
    }
  }

  private failed(
    tool: string,
    bucket: string,
    failure: Failure,
    via: "http" | "result",
    sentAt: number,
    result?: CallToolResult,
    original?: unknown,
  ) {
    if (failure.kind === "rate_limited") {
      this.counters.rateLimited++;
      this.emit("rateLimited", { tool, bucket, retryAfterMs: failure.waitMs, via });
    }
    return new AttemptFailure(failure, sentAt, result, original);
  }

  /** Iterates every item of a list tool, following its cursor; see CursorLoop for the stop guards. */
  paginate<T = unknown>(
    tool: string,
    args: Record<string, unknown> = {},
    options: PaginateOptions & CallOptions = {},
  ): CursorLoop<T> {
    const cursorArgument = this.options.pagination?.cursorArgument ?? "next_cursor";
    return new CursorLoop<T>(
      async (cursor) => {
        const result = await this.callTool(
          tool,
          cursor === undefined ? args : { ...args, [cursorArgument]: cursor },
          options,
        );
        if (result.isError) throw new ToolResultError(tool, result);
        this.counters.pages++;
        return readPage(result);
      },
      { ...this.options.pagination, ...options },
      (report) => this.emit("page", { ...report, tool }),
    );
  }

  /** Every page of a list tool, with why the listing stopped. */
  async drain<T = unknown>(
    tool: string,
    args: Record<string, unknown> = {},
    options: PaginateOptions & CallOptions = {},
  ): Promise<Drained<T>> {
    const loop = this.paginate<T>(tool, args, options);
    const items: T[] = [];
    for await (const item of loop) items.push(item);
    const stopReason = loop.stopReason ?? "end";
    return {
      items,
      stopReason,
      pages: loop.pages,
      truncated: stopReason === "max_items" || stopReason === "max_pages",
    };
  }

  /** Every item of a list tool, all pages drained. */
  async listAll<T = unknown>(
    tool: string,
    args: Record<string, unknown> = {},
    options: PaginateOptions & CallOptions = {},
  ): Promise<T[]> {
    return (await this.drain<T>(tool, args, options)).items;
  }

  stats(): ClientStats {
    return { ...this.counters, waitedMs: Math.round(this.counters.waitedMs) };
  }

  async close(): Promise<void> {
    await this.sdk?.close();
    await this.limiter.close();
  }
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/** Connects to an MCP gateway and lists its tools. */
export async function connect(url: string | URL, options: ConnectOptions = {}): Promise<PacedClient> {
  return new PacedClient(String(url), options).connect();
}
