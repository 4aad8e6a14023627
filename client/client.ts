import type { CallToolResult, Client, Tool } from "@modelcontextprotocol/client";
import { inspectResult } from "./backoff/result-signal.js";
import {
  classifyError,
  classifyResult,
  type Failure,
  type RetryOptions,
  type ToolSafety,
  toolSafety,
} from "./backoff/retry-policy.js";
import { type PageExtractor, readPage } from "./cursor/page.js";
import { CursorLoop, type PaginateOptions, type StopReason } from "./cursor/paginate.js";
import type { AttemptAnswer, AttemptContext, CallEngine } from "./engine/call-engine.js";
import { type LimiterOptions, realTimeEngine } from "./engine/limiter-options.js";
import {
  ConnectionError,
  RateLimitedError,
  ServerError,
  ServerGoneError,
  shortBody,
  ToolResultError,
} from "./errors.js";
import { TypedEmitter } from "./events.js";
import { OpenAIAdapter } from "./openai.js";
import { loadTelemetry, NOOP_TELEMETRY, type Telemetry } from "./telemetry.js";
import { type CallFacts, httpFailureOf, TrackedConnection, type TransportOptions } from "./transport.js";

export type { RetryOptions } from "./backoff/retry-policy.js";

export interface PaginationOptions extends PaginateOptions {
  /** The argument that carries the cursor. Default `next_cursor`. */
  cursorArgument?: string;
  /** Where a result's items and cursor are, for servers whose shape paceline does not know. */
  extract?: PageExtractor;
  /** The OpenAI adapter drains list tools for the model and returns one merged result. */
  autoDrain?: boolean;
}

export interface ConnectOptions extends TransportOptions {
  retry?: RetryOptions;
  limiter?: LimiterOptions & {
    /**
     * Which budget a tool spends, when you know it (a table of your gateway's tools). Default:
     * each tool its own, merged as the answers show budgets shared (`learnBuckets`).
     */
    bucketOf?: (tool: string, safety: ToolSafety) => string;
  };
  pagination?: PaginationOptions;
  /** Aborts every wait, retry and call of this client. */
  signal?: AbortSignal;
  /** Per-attempt timeout, cut short by the call's deadline (`retry.deadlineMs`). Default 60 s (the SDK's). */
  timeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Progress notifications of a long call; each one also restarts the call's timeout. */
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

export interface ClientStats {
  /** Tool calls asked for. */
  calls: number;
  /** HTTP attempts made for them. */
  attempts: number;
  retries: number;
  /** 429s received, either way they arrive. */
  rateLimited: number;
  /**
   * Milliseconds waiting for budget, a slot or a backoff, summed over calls: with many calls in
   * flight it exceeds the run's duration (a 9 s audit can sum to minutes).
   */
  callWaitMs: number;
  /** Wall-clock milliseconds during which at least one call was waiting. */
  wallWaitMs: number;
  pages: number;
  /** Calls allowed in flight now: `maxConcurrent`, lowered while the server refuses for concurrency. */
  concurrencyCap: number;
}

export interface Drained<T> {
  items: T[];
  stopReason: StopReason;
  pages: number;
  /** True when a cap (maxItems, maxPages) cut the listing short. */
  truncated: boolean;
}

/** The server's address for messages: scheme, host and port only (gateway URLs carry tokens in the path). */
function serverName(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "the MCP server";
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * An MCP client for rate-limited gateways: every call is paced by its bucket's budget, retried
 * where that cannot repeat a side effect, and settled by one deadline from its start; list tools
 * are driven through their cursors. The calls themselves run in the call engine
 * (`engine/call-engine.ts`); this class is the MCP facade around it.
 */
export class PacedClient extends TypedEmitter {
  private readonly engine: CallEngine;
  private readonly tools = new Map<string, Tool>();
  private pages = 0;
  private telemetry: Telemetry = NOOP_TELEMETRY;
  private stopObservingQueue = () => {};
  readonly openai: OpenAIAdapter;
  private connection?: TrackedConnection;

  constructor(
    readonly url: string,
    readonly options: ConnectOptions = {},
  ) {
    super();
    this.engine = realTimeEngine(options.limiter, options.retry, {
      onPolicy: (event) => this.telemetry.bucketState(event.bucket, event.state),
      // The `listenerError` event where someone listens; otherwise the engine's one warning per hook.
      onHookError: (error, hook) => {
        if (this.listenerCount("listenerError") === 0) throw error;
        this.emit("listenerError", { hook, error });
      },
    });
    this.openai = new OpenAIAdapter(this);
  }

  async connect(): Promise<this> {
    this.telemetry = await loadTelemetry(this.options.clientInfo?.version ?? "0.1.0");
    this.stopObservingQueue = this.telemetry.observeQueue(() => this.engine.core.queued());
    this.connection = await TrackedConnection.open(this.url, this.options);
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
    if (!this.connection) throw new Error("paceline: call connect() first");
    return this.connection.client;
  }

  /** The argument that carries a list tool's cursor (`pagination.cursorArgument`). */
  get cursorArgument(): string {
    return this.options.pagination?.cursorArgument ?? "next_cursor";
  }

  safetyOf(tool: string): ToolSafety {
    return toolSafety(tool, this.tools.get(tool)?.annotations);
  }

  /** The budget a tool spends now: declared by `limiter.bucketOf`, or its own, as merged by what the answers showed. */
  bucketOf(tool: string): string {
    const declared = this.options.limiter?.bucketOf?.(tool, this.safetyOf(tool)) ?? tool;
    return this.engine.core.resolve(declared);
  }

  /**
   * Calls a tool: paced by its bucket, retried where safe, settled by the call's deadline.
   * Resolves with the tool's result, `isError` results included; throws RateLimitedError when the
   * wait would be too long or the deadline comes, ConnectionError when the server cannot be
   * reached, the signal's reason when aborted, ClientClosedError after `close()`, and the
   * transport's error when a failure may not be retried.
   */
  async callTool(
    name: string,
    args: Record<string, unknown> = {},
    callOptions: CallOptions = {},
  ): Promise<CallToolResult> {
    const safety = this.safetyOf(name);
    const declared = this.options.limiter?.bucketOf?.(name, safety);
    const bucket = declared ?? name;
    this.engine.safely("call", () => this.emit("call", { tool: name, args }));
    const span = this.telemetry.startCall(name, this.engine.core.resolve(bucket), {
      "paceline.cursor_page": args[this.cursorArgument] !== undefined,
    });
    let ended: { isError?: boolean; error?: unknown } = {};
    try {
      const result = await this.engine.run<CallToolResult>({
        tool: name,
        bucket,
        declared: declared !== undefined,
        safety,
        signal: anySignal(this.options.signal, callOptions.signal),
        timeoutMs: callOptions.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        send: (attempt) => this.sendOnce(name, args, attempt, callOptions.onprogress),
        giveUp: (last, why) => this.giveUp(name, last.failure, why, last.value, last.thrown),
        observe: {
          throttled: (bucketName, waitedMs) => {
            span.waited(waitedMs, bucketName);
            this.emit("throttled", { bucket: bucketName, waitedMs });
          },
          attempt: () => span.attempt(),
          rateLimited: (bucketName, failure, via) => {
            const retryAfterMs = failure.kind === "rate_limited" ? failure.waitMs : undefined;
            span.rateLimited(retryAfterMs, bucketName);
            this.emit("rateLimited", { tool: name, bucket: bucketName, retryAfterMs, via: via ?? "http" });
          },
          retry: ({ attempt, delayMs, reason, kind }) => {
            span.retry(kind, delayMs);
            this.emit("retry", { tool: name, attempt, delayMs, reason });
          },
        },
      });
      ended = { isError: result.isError };
      return result;
    } catch (error) {
      ended = { error };
      throw error;
    } finally {
      this.engine.safely("telemetry", () => span.end(ended));
    }
  }

  /** One attempt on the wire, classified for the engine. */
  private async sendOnce(
    name: string,
    args: Record<string, unknown>,
    attempt: AttemptContext,
    onprogress: CallOptions["onprogress"],
  ): Promise<AttemptAnswer<CallToolResult>> {
    const facts: CallFacts = {};
    let result: CallToolResult | undefined;
    let thrown: unknown;
    try {
      result = (await this.connection?.track(facts, () =>
        this.client.callTool(
          { name, arguments: args },
          {
            timeout: attempt.timeoutMs,
            signal: attempt.signal,
            // Progress keeps a long call alive: each notification restarts its timeout (never the deadline).
            ...(onprogress ? { onprogress, resetTimeoutOnProgress: true } : {}),
          },
        ),
      )) as CallToolResult;
    } catch (error) {
      thrown = error;
    }
    const inspection = result ? inspectResult(result, Date.now()) : undefined;
    const report = inspection ? { ...inspection.signal, ...facts.signal } : facts.signal;
    return {
      value: result,
      thrown,
      answered: result !== undefined || facts.httpStatus !== undefined,
      failure: result
        ? classifyResult(inspection ?? {}, result.isError === true)
        : classifyError(thrown, facts),
      signal: report && Object.keys(report).length > 0 ? report : undefined,
      via: result ? "result" : "http",
    };
  }

  /** The last attempt's result or error, as the caller should see it. */
  private giveUp(
    tool: string,
    failure: Failure,
    why: string,
    result: CallToolResult | undefined,
    thrown: unknown,
  ): CallToolResult {
    if (failure.kind === "rate_limited") throw new RateLimitedError(tool, failure.waitMs, why);
    if (result) return result;
    const server = serverName(this.url);
    if (failure.kind === "refused")
      throw new ConnectionError(tool, server, "ECONNREFUSED", `nothing is listening (${why})`, {
        cause: thrown,
      });
    const http = httpFailureOf(thrown);
    if (http && (http.status === 404 || http.status === 410))
      throw new ServerGoneError(server, http.status, shortBody(http.text), { cause: thrown });
    if (http && http.status >= 500)
      throw new ServerError(
        tool,
        server,
        http.status,
        shortBody(http.text),
        this.safetyOf(tool).idempotent ? `given up: ${why}` : `the call may or may not have run (${why})`,
        { cause: thrown },
      );
    if (failure.kind === "lost" && failure.reason === "reset") {
      const code = (thrown as { cause?: { code?: string } })?.cause?.code ?? "ECONNRESET";
      throw new ConnectionError(
        tool,
        server,
        code,
        `the connection broke; the call may or may not have run (${why})`,
        {
          cause: thrown,
        },
      );
    }
    throw thrown;
  }

  /** Iterates every item of a list tool, following its cursor; see CursorLoop for the stop guards. */
  paginate<T = unknown>(
    tool: string,
    args: Record<string, unknown> = {},
    options: PaginateOptions & CallOptions = {},
  ): CursorLoop<T> {
    const cursorArgument = this.cursorArgument;
    return new CursorLoop<T>(
      async (cursor) => {
        const result = await this.callTool(
          tool,
          cursor === undefined ? args : { ...args, [cursorArgument]: cursor },
          options,
        );
        if (result.isError) throw new ToolResultError(tool, result);
        this.pages++;
        return (this.options.pagination?.extract ?? ((r) => readPage(r, tool)))(result);
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
    const engine = this.engine.stats();
    return {
      calls: engine.calls,
      attempts: engine.attempts,
      retries: engine.retries,
      rateLimited: engine.rateLimited,
      callWaitMs: Math.round(engine.callWaitMs),
      wallWaitMs: Math.round(engine.wallWaitMs),
      pages: this.pages,
      concurrencyCap: this.engine.core.concurrencyCap,
    };
  }

  /**
   * Fails every queued, sleeping and running call with ClientClosedError (nothing more is sent),
   * then ends the session (an HTTP DELETE with its id, where the server gave one).
   */
  async close(): Promise<void> {
    this.stopObservingQueue();
    await this.engine.close();
    await this.connection?.close();
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
