import { setTimeout as sleep } from "node:timers/promises";
import type { CallToolResult, Client, Tool } from "@modelcontextprotocol/client";
import pRetry from "p-retry";
import { BucketLimiter, type LimiterOptions, type Ticket } from "./backoff/bucket-limiter.js";
import { inspectResult } from "./backoff/result-signal.js";
import {
  classifyError,
  classifyResult,
  type Failure,
  FailureLog,
  type RetryOptions,
  retryStep,
  type ToolSafety,
  toolSafety,
} from "./backoff/retry-policy.js";
import { WaitClock } from "./backoff/wait-clock.js";
import { type PageExtractor, readPage } from "./cursor/page.js";
import { CursorLoop, type PaginateOptions, type StopReason } from "./cursor/paginate.js";
import { ConnectionError, RateLimitedError, ToolResultError } from "./errors.js";
import { TypedEmitter } from "./events.js";
import { OpenAIAdapter } from "./openai.js";
import { loadTelemetry, NOOP_TELEMETRY, type Telemetry } from "./telemetry.js";
import { type CallFacts, TrackedConnection, type TransportOptions } from "./transport.js";

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

/** One failed attempt, carried through p-retry to the retry step. */
class AttemptFailure extends Error {
  constructor(
    readonly failure: Failure,
    readonly receivedAt: number,
    readonly result: CallToolResult | undefined,
    readonly thrown: unknown,
  ) {
    super(`attempt failed: ${failure.kind}`);
  }
}

/**
 * An MCP client for rate-limited gateways: every call is paced by its bucket's budget, retried
 * where that cannot repeat a side effect, within one deadline from its first send; list tools
 * are driven through their cursors.
 */
export class PacedClient extends TypedEmitter {
  private readonly limiter: BucketLimiter;
  private readonly tools = new Map<string, Tool>();
  private readonly counters: ClientStats = {
    calls: 0,
    attempts: 0,
    retries: 0,
    rateLimited: 0,
    callWaitMs: 0,
    wallWaitMs: 0,
    pages: 0,
    concurrencyCap: 0,
  };
  private readonly waitClock = new WaitClock();
  private telemetry: Telemetry = NOOP_TELEMETRY;
  private stopObservingQueue = () => {};
  readonly openai: OpenAIAdapter;
  private connection?: TrackedConnection;

  constructor(
    readonly url: string,
    readonly options: ConnectOptions = {},
  ) {
    super();
    this.limiter = new BucketLimiter(
      {
        ...options.limiter,
        onPolicy: (event) => {
          options.limiter?.onPolicy?.(event);
          this.telemetry.bucketState(event.bucket, event.state);
        },
      },
      (event) => {
        this.counters.callWaitMs += event.waitedMs;
        this.emit("throttled", event);
      },
      this.waitClock,
    );
    this.openai = new OpenAIAdapter(this);
  }

  async connect(): Promise<this> {
    this.telemetry = await loadTelemetry(this.options.clientInfo?.version ?? "0.1.0");
    this.stopObservingQueue = this.telemetry.observeQueue(() => this.limiter.queued());
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

  safetyOf(tool: string): ToolSafety {
    return toolSafety(tool, this.tools.get(tool)?.annotations);
  }

  /** The budget a tool spends now: declared by `limiter.bucketOf`, or its own, as merged by what the answers showed. */
  bucketOf(tool: string): string {
    const declared = this.options.limiter?.bucketOf?.(tool, this.safetyOf(tool)) ?? tool;
    return this.limiter.resolve(declared);
  }

  /**
   * Calls a tool: paced by its bucket, retried where safe. Resolves with the tool's result,
   * `isError` results included; throws RateLimitedError when the wait would be too long or the
   * deadline comes, ConnectionError when the server cannot be reached, and the transport's error
   * when a failure may not be retried.
   */
  async callTool(
    name: string,
    args: Record<string, unknown> = {},
    callOptions: CallOptions = {},
  ): Promise<CallToolResult> {
    const safety = this.safetyOf(name);
    const declared = this.options.limiter?.bucketOf?.(name, safety) ?? name;
    const signal = anySignal(this.options.signal, callOptions.signal);
    const timeoutMs = callOptions.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadlineMs = this.options.retry?.deadlineMs ?? 120_000;
    this.counters.calls++;
    this.emit("call", { tool: name, args });
    const cursorArgument = this.options.pagination?.cursorArgument ?? "next_cursor";
    const span = this.telemetry.startCall(name, this.limiter.resolve(declared), {
      "paceline.cursor_page": args[cursorArgument] !== undefined,
    });
    let firstSentAt: number | undefined;
    const log = new FailureLog();

    const attemptOnce = async (): Promise<CallToolResult> => {
      const enqueuedAt = performance.now();
      const attempt = await this.limiter.schedule(declared, (ticket) => {
        span.attempt();
        const queuedMs = performance.now() - enqueuedAt;
        if (queuedMs >= 1) span.waited(queuedMs, ticket.bucket);
        const sentAt = Date.now();
        firstSentAt ??= sentAt;
        // One deadline for the whole call: an attempt never runs past it.
        const timeout = Math.max(1, Math.min(timeoutMs, firstSentAt + deadlineMs - sentAt));
        return this.sendOnce(ticket, name, args, {
          timeout,
          ...(signal ? { signal } : {}),
          // Progress keeps a long call alive: each notification restarts its timeout.
          ...(callOptions.onprogress
            ? { onprogress: callOptions.onprogress, resetTimeoutOnProgress: true }
            : {}),
        });
      });
      const { result, thrown, failure, receivedAt } = attempt;
      if (!failure) {
        if (result) return result;
        throw thrown;
      }
      throw new AttemptFailure(failure, receivedAt, result, thrown);
    };

    let gaveUp: string | undefined;
    let ended: { isError?: boolean; error?: unknown } = {};
    try {
      // p-retry runs the attempts and honours the signal; paceline's retry step decides what and how long.
      const result = await pRetry(attemptOnce, {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: 0,
        maxTimeout: 0,
        ...(signal ? { signal } : {}),
        shouldRetry: async ({ error }) => {
          if (!(error instanceof AttemptFailure)) return false;
          const { failure, receivedAt } = error;
          const { history, kind } = log.record(failure, firstSentAt ?? receivedAt, receivedAt);
          const step = retryStep(failure, safety, history, this.options.retry);
          if (failure.kind === "rate_limited")
            span.rateLimited(failure.waitMs, this.limiter.resolve(declared));
          if (!step.retry) {
            gaveUp = step.why;
            return false;
          }
          span.retry(kind, step.delayMs);
          this.counters.retries++;
          this.emit("retry", {
            tool: name,
            attempt: history.failures,
            delayMs: step.delayMs,
            reason: failure.kind,
          });
          // A paced bucket holds the call in its queue until the refill; otherwise it waits its own delay.
          if (step.holdsBucket && this.limiter.pacing) return true;
          const started = performance.now();
          const stopWaiting = this.waitClock.begin();
          try {
            await sleep(step.delayMs, undefined, signal ? { signal } : undefined);
          } finally {
            stopWaiting();
          }
          this.counters.callWaitMs += performance.now() - started;
          return true;
        },
      });
      ended = { isError: result.isError };
      return result;
    } catch (error) {
      ended = { error };
      if (!(error instanceof AttemptFailure)) throw error;
      try {
        const result = this.giveUp(name, error.failure, gaveUp ?? "not retried", error.result, error.thrown);
        ended = { isError: result.isError };
        return result;
      } catch (final) {
        ended = { error: final };
        throw final;
      }
    } finally {
      span.end(ended);
    }
  }

  /** One attempt on the wire: its outcome classified, and reported to the limiter on its ticket. */
  private async sendOnce(
    ticket: Ticket,
    name: string,
    args: Record<string, unknown>,
    requestOptions: {
      timeout: number;
      signal?: AbortSignal;
      onprogress?: CallOptions["onprogress"];
      resetTimeoutOnProgress?: boolean;
    },
  ): Promise<{ result?: CallToolResult; thrown?: unknown; failure?: Failure; receivedAt: number }> {
    const facts: CallFacts = {};
    const sentAt = Date.now();
    this.counters.attempts++;
    let result: CallToolResult | undefined;
    let thrown: unknown;
    try {
      result = (await this.connection?.track(facts, () =>
        this.client.callTool({ name, arguments: args }, requestOptions),
      )) as CallToolResult;
    } catch (error) {
      thrown = error;
    }
    const receivedAt = Date.now();
    const inspection = result ? inspectResult(result, receivedAt) : undefined;
    const report = inspection ? { ...inspection.signal, ...facts.signal } : facts.signal;
    const failure = result
      ? classifyResult(inspection ?? {}, result.isError === true)
      : classifyError(thrown, facts);
    const outcome = {
      sentAt,
      receivedAt,
      signal: report && Object.keys(report).length > 0 ? report : undefined,
    };
    if (failure?.kind === "rate_limited") {
      this.counters.rateLimited++;
      const via = result ? "result" : "http";
      this.emit("rateLimited", { tool: name, bucket: ticket.bucket, retryAfterMs: failure.waitMs, via });
      if (failure.concurrency) ticket.concurrencyRefused(outcome);
      else ticket.refused(outcome);
    } else if (result || facts.httpStatus !== undefined) ticket.answered(outcome);
    else ticket.unanswered();
    return { result, thrown, failure, receivedAt };
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
    return {
      ...this.counters,
      callWaitMs: Math.round(this.counters.callWaitMs),
      wallWaitMs: Math.round(this.waitClock.ms),
      concurrencyCap: this.limiter.concurrencyCap,
    };
  }

  /** Ends the session (an HTTP DELETE with its id, where the server gave one) and stops the limiter. */
  async close(): Promise<void> {
    this.stopObservingQueue();
    await this.connection?.close();
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
