import { EventLoop } from "../../harness/simulator/event-loop.js";
import type { RateLimitSignal } from "../backoff/rate-limit-headers.js";
import type { Failure } from "../backoff/retry-policy.js";
import { RateLimitedError } from "../errors.js";
import { type AttemptAnswer, CallEngine, type CallObserver, type EngineOptions } from "./call-engine.js";

/**
 * The call engine in virtual time against a scripted server, for the contract's tests and its
 * property suite: every send, answer, abort, close and settlement is logged in the order it
 * happened, with its virtual time.
 */
export type Reply =
  | { kind: "ok"; latencyMs: number; report?: RateLimitSignal }
  | { kind: "429"; latencyMs: number; report?: RateLimitSignal; concurrency?: boolean }
  | { kind: "503"; latencyMs: number }
  /** Sent, then the connection breaks: the call may or may not have run. */
  | { kind: "reset"; latencyMs: number }
  /** Sent, and no answer ever comes (only an abort or the deadline ends it). */
  | { kind: "silent" };

export type LogEntry =
  | { type: "send"; call: number; at: number; attempt: number; inFlight: number }
  | { type: "answer"; call: number; at: number; kind: Reply["kind"] }
  | { type: "abort"; call: number; at: number }
  | { type: "close"; at: number }
  | { type: "settle"; call: number; at: number; ok: boolean; error?: unknown };

export interface ScriptedCall {
  bucket: string;
  write?: boolean;
  declared?: boolean;
  startAt?: number;
  abortAt?: number;
}

export const START = 1_800_000_000_000;

export class VirtualRun {
  readonly loop = new EventLoop(START);
  readonly log: LogEntry[] = [];
  readonly engine: CallEngine;
  readonly hookErrors: string[] = [];
  private replyIndex = 0;
  readonly results: { settled: boolean; ok?: boolean; error?: unknown; at?: number }[] = [];

  constructor(
    private readonly replies: (call: number, attempt: number, index: number) => Reply,
    options: Omit<EngineOptions, "timers"> = {},
    private readonly observer: () => CallObserver | undefined = () => undefined,
  ) {
    this.engine = new CallEngine({
      ...options,
      timers: this.loop.timers(),
      random: options.random ?? (() => 0.5),
      onHookError: (_error, hook) => this.hookErrors.push(hook),
    });
  }

  get now(): number {
    return this.loop.now;
  }

  /** Starts the calls at their times; resolves when virtual time has nothing left to do. */
  async run(calls: ScriptedCall[], closeAt?: number): Promise<void> {
    calls.forEach((call, index) => {
      this.results.push({ settled: false });
      this.loop.at(START + (call.startAt ?? 0), () => this.start(index, call));
    });
    if (closeAt !== undefined)
      this.loop.at(START + closeAt, () => {
        this.log.push({ type: "close", at: this.now - START });
        void this.engine.close();
      });
    await this.loop.run();
  }

  private start(index: number, call: ScriptedCall): void {
    const abort = new AbortController();
    if (call.abortAt !== undefined)
      this.loop.at(START + call.abortAt, () => {
        if (this.results[index]?.settled) return;
        this.log.push({ type: "abort", call: index, at: this.now - START });
        abort.abort();
      });
    const settle = (ok: boolean, error?: unknown) => {
      this.results[index] = { settled: true, ok, error, at: this.now - START };
      this.log.push({ type: "settle", call: index, at: this.now - START, ok, error });
    };
    this.engine
      .run<string>({
        tool: `tool-${call.bucket}`,
        bucket: call.bucket,
        declared: call.declared,
        safety: { readOnly: !call.write, idempotent: !call.write },
        signal: abort.signal,
        observe: this.observer(),
        send: ({ number, signal }) => this.send(index, number, signal),
        // As PacedClient presents them: a 429 given up is a RateLimitedError with the server's wait.
        giveUp: (last, why) => {
          if (last.failure.kind === "rate_limited")
            throw new RateLimitedError(`tool-${call.bucket}`, last.failure.waitMs, why);
          throw Object.assign(new Error(why), { failure: last.failure });
        },
      })
      .then(
        () => settle(true),
        (error: unknown) => settle(false, error),
      );
  }

  private send(call: number, attempt: number, signal: AbortSignal): Promise<AttemptAnswer<string>> {
    this.log.push({
      type: "send",
      call,
      at: this.now - START,
      attempt,
      inFlight: this.engine.core.inFlightCount,
    });
    const reply = this.replies(call, attempt, this.replyIndex++);
    return new Promise((resolve) => {
      let done = false;
      const finish = (answer: AttemptAnswer<string>, kind: Reply["kind"]) => {
        if (done) return;
        done = true;
        this.log.push({ type: "answer", call, at: this.now - START, kind });
        resolve(answer);
      };
      const onAbort = () =>
        finish(
          { thrown: signal.reason, answered: false, failure: { kind: "lost", reason: "timeout" } },
          "silent",
        );
      signal.addEventListener("abort", onAbort, { once: true });
      if (reply.kind === "silent") return;
      this.loop.after(reply.latencyMs, () => {
        signal.removeEventListener("abort", onAbort);
        finish(answerOf(reply), reply.kind);
      });
    });
  }
}

function answerOf(reply: Exclude<Reply, { kind: "silent" }>): AttemptAnswer<string> {
  switch (reply.kind) {
    case "ok":
      return { value: "ok", answered: true, signal: reply.report };
    case "429": {
      const failure: Failure = {
        kind: "rate_limited",
        waitMs: reply.report?.retryAfterMs ?? reply.report?.resetMs,
        concurrency: reply.concurrency,
      };
      return { thrown: new Error("429"), answered: true, signal: reply.report, failure };
    }
    case "503":
      return { thrown: new Error("503"), answered: true, failure: { kind: "unavailable", status: 503 } };
    case "reset":
      return { thrown: new Error("ECONNRESET"), answered: false, failure: { kind: "lost", reason: "reset" } };
  }
}

/** The sends of one call, in order. */
export const sendsOf = (log: LogEntry[], call: number) =>
  log.filter((e): e is Extract<LogEntry, { type: "send" }> => e.type === "send" && e.call === call);
