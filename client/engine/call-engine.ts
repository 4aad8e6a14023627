import type { Interval } from "../backoff/bucket-policy.js";
import {
  type Outcome,
  PacingCore,
  type PolicyEvent,
  type Queued,
  type Ticket,
  type TimerHandle,
  type Timers,
} from "../backoff/pacing-core.js";
import type { RateLimitSignal } from "../backoff/rate-limit-headers.js";
import {
  type Failure,
  FailureLog,
  RETRY_DEFAULTS,
  type RetryOptions,
  retryStep,
  type ToolSafety,
} from "../backoff/retry-policy.js";
import { WaitClock } from "../backoff/wait-clock.js";
import { ClientClosedError, RateLimitedError } from "../errors.js";

/**
 * The one call engine. Every tool call of `PacedClient` and `pacedFetch`, and every call of the
 * simulator (in virtual time), is this loop: admission (the shared budget, then the bucket's
 * budget and a concurrency slot), the attempt, its classification, the retry step, the deadline.
 * The transport is a function of the call; time and timers are injected.
 *
 * The contract it holds by construction (README, "The call contract"):
 * 1. A call settles by its deadline (`retry.deadlineMs` from its first admission attempt): every
 *    wait is armed against it, and a wait the server asks for that would pass it fails at once.
 * 2. Nothing is sent after its caller gave up: an abort, the deadline or `close()` takes a queued
 *    call out of its queue at once; a call admitted meanwhile is checked again before the wire and
 *    hands its slot and budget unit back; no attempt starts with less than `minAttemptMs` left.
 * 3. Every admission is released exactly once (the ticket), whatever throws. User code (hooks,
 *    listeners) runs outside the critical sections, and a hook that throws is reported, not obeyed.
 * 4. Every timer is clamped (see real-timers.ts); resets beyond the deadline fail the call.
 */
export interface EngineOptions {
  timers: Timers;
  /** Calls in flight across all buckets, at most. Default 8. */
  maxConcurrent?: number;
  /** Pace from the server's budget (default true); false keeps only the concurrency cap. */
  pacing?: boolean;
  /** Learn from the answers which undeclared buckets spend one budget (default true). */
  learnBuckets?: boolean;
  /** Budget above this is not paced (default 4 × maxConcurrent); Infinity paces every bucket. */
  freeAbove?: number;
  /** Refill timers fire this much after their planned time, against clock skew. Default 0. */
  resetMarginMs?: number;
  retry?: RetryOptions;
  random?: () => number;
  /** A budget shared with other processes (Redis), claimed before a local slot is taken. */
  shared?: SharedBudget;
  /** Each policy step of each bucket, told outside the core's critical section. */
  onPolicy?: (event: PolicyEvent) => void;
  /** A user hook threw. Default: one console warning per hook. */
  onHookError?: (error: unknown, hook: string) => void;
}

/**
 * One claim on a shared budget: granted, or spent for `retryInMs` more. `bucket` names the budget
 * claimed from when another process had learnt that the asked bucket spends it.
 */
export type Claim = (
  | {
      granted: true;
      /** Where the budget's current window opened, as the process whose call opened it saw it. */
      opened?: Interval;
      /** What the processes sharing the budget have learnt of its windows' length. */
      length?: Interval;
    }
  | { granted: false; retryInMs: number }
) & { bucket?: string };

export interface SharedBudget {
  /**
   * Claims one unit of the bucket's shared budget, or of the budget other processes learnt it
   * spends (`follow`: a bucket the user did not declare); rejects (naming the store) when it is
   * unreachable.
   */
  claim(bucket: string, follow?: boolean): Promise<Claim>;
  /** Returns a unit claimed for a call that was never sent. */
  giveBack(bucket: string): void;
  /** This process learnt that `from` spends `into`'s budget: the others follow from their next claim. */
  merged?(from: string, into: string): void;
  /** What a policy step showed: the budget after an answer, a refusal's hold. */
  tell(event: PolicyEvent): void;
  close(): Promise<void>;
}

/** What one attempt on the wire brought back, classified by the transport's adapter. */
export interface AttemptAnswer<T> {
  value?: T;
  thrown?: unknown;
  /** The server answered (an HTTP status came): its report may teach the bucket. */
  answered: boolean;
  failure?: Failure;
  signal?: RateLimitSignal;
  /** Where a 429 was seen: on the HTTP exchange or in the tool's result. */
  via?: "http" | "result";
}

export interface AttemptContext {
  /** 1 for the first attempt. */
  number: number;
  bucket: string;
  /** The attempt's own timeout: the call's, cut to what is left before its deadline. */
  timeoutMs: number;
  /** Aborted when the caller gives up, at the deadline, or on close. */
  signal: AbortSignal;
}

/** A call's own observers (telemetry, events). Each is user code: run outside critical sections, throws reported. */
export interface CallObserver {
  throttled?(bucket: string, waitedMs: number): void;
  attempt?(bucket: string, number: number): void;
  rateLimited?(bucket: string, failure: Failure, via: "http" | "result" | undefined): void;
  retry?(event: { attempt: number; delayMs: number; reason: string; kind: string }): void;
}

export interface CallSpec<T> {
  tool: string;
  /** The bucket the call spends. */
  bucket: string;
  /** The user declared the bucket (a table, an endpoint hint): it is never merged with another. */
  declared?: boolean;
  safety: ToolSafety;
  signal?: AbortSignal;
  /** Per-attempt timeout (default: none but the deadline). */
  timeoutMs?: number;
  send(attempt: AttemptContext): Promise<AttemptAnswer<T>>;
  /** The caller's view of a failure the engine does not retry: a value to resolve with, or a throw. */
  giveUp(last: AttemptAnswer<T> & { failure: Failure }, why: string): T;
  observe?: CallObserver;
}

export interface EngineStats {
  calls: number;
  attempts: number;
  retries: number;
  /** 429s met, either way they arrive. */
  rateLimited: number;
  /** Calls that ended in an error or a given-up failure. */
  failed: number;
  /** Milliseconds waiting for budget, a slot or a backoff, summed over calls. */
  callWaitMs: number;
  /** Milliseconds during which at least one call waited. */
  wallWaitMs: number;
}

/** One call in the engine: what it asked for, when it must be done, and the signal every wait listens to. */
interface Running<T> {
  spec: CallSpec<T>;
  startedAt: number;
  deadline: number;
  /** The call's own signal: the caller's abort, close() or the deadline. */
  signal: AbortSignal;
  /** What the shared store said of the window this attempt was granted in (told to the policy). */
  window?: Pick<Outcome, "opened" | "length">;
}

const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException("This operation was aborted", "AbortError");

/** The reason a call's own signal carries when its deadline passes (not the caller giving up). */
const DEADLINE = new DOMException("The call's deadline passed", "TimeoutError");

/** The caller gave up (an abort or close()), as opposed to the deadline cutting an attempt short. */
const gaveUp = (signal: AbortSignal) => signal.aborted && signal.reason !== DEADLINE;

export class CallEngine {
  readonly core: PacingCore;
  private readonly retry: Required<RetryOptions>;
  private closed = false;
  /** Each running call's own controller: close() aborts them all. */
  private readonly running = new Set<AbortController>();
  private readonly waitClock: WaitClock;
  private readonly warned = new Set<string>();
  private readonly counts = { calls: 0, attempts: 0, retries: 0, rateLimited: 0, failed: 0, callWaitMs: 0 };

  constructor(private readonly options: EngineOptions) {
    const { timers } = options;
    const maxConcurrent = options.maxConcurrent ?? 8;
    const margin = options.resetMarginMs ?? 0;
    const retry = { ...RETRY_DEFAULTS, ...options.retry };
    // A deadline shorter than the attempt floor would refuse every call: the floor is at most half of it.
    this.retry = { ...retry, minAttemptMs: Math.min(retry.minAttemptMs, retry.deadlineMs / 2) };
    this.waitClock = new WaitClock(() => timers.now());
    this.core = new PacingCore(
      {
        maxConcurrent,
        pacing: options.pacing ?? true,
        learnBuckets: options.learnBuckets ?? true,
        foreignSpend: options.shared !== undefined,
        freeAbove: options.freeAbove,
        onPolicy: (event) => {
          options.shared?.tell(event);
          options.onPolicy?.(event);
        },
        onHookError: (error, hook) => this.hookFailed(error, hook),
        onMerge: (from, into) => options.shared?.merged?.(from, into),
      },
      // Refill timers fire a margin late: a reset read off another host's clock may be early.
      { now: () => timers.now(), at: (at, fn) => timers.at(at + margin, fn) },
    );
  }

  get pacing(): boolean {
    return this.options.pacing ?? true;
  }

  stats(): EngineStats {
    return { ...this.counts, wallWaitMs: this.waitClock.ms };
  }

  /** Runs one call to its end: a value, the caller's view of a failure, or an error. */
  async run<T>(spec: CallSpec<T>): Promise<T> {
    this.counts.calls++;
    if (this.closed) {
      this.counts.failed++;
      throw new ClientClosedError(spec.tool);
    }
    const { timers } = this.options;
    const startedAt = timers.now();
    const deadline = startedAt + this.retry.deadlineMs;
    // One controller per call, aborted by the caller's signal, close() or the deadline: every wait
    // and attempt listens to it alone (no listener piles up on a client-wide signal).
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(abortReason(spec.signal as AbortSignal));
    spec.signal?.addEventListener("abort", onCallerAbort, { once: true });
    if (spec.signal?.aborted) onCallerAbort();
    const cut = timers.at(deadline, () => controller.abort(DEADLINE));
    this.running.add(controller);
    let ok = false;
    try {
      const value = await this.attempts({ spec, startedAt, deadline, signal: controller.signal });
      ok = true;
      return value;
    } finally {
      if (!ok) this.counts.failed++;
      cut.cancel();
      spec.signal?.removeEventListener("abort", onCallerAbort);
      this.running.delete(controller);
    }
  }

  private async attempts<T>(call: Running<T>): Promise<T> {
    const { spec, startedAt, deadline, signal } = call;
    const { timers } = this.options;
    const log = new FailureLog();
    let retried = false;
    for (let number = 1; ; number++) {
      if (gaveUp(signal)) throw abortReason(signal);
      const ticket = await this.admit(call, retried);
      // The last look before the wire: a caller that gave up meanwhile, or a deadline too close
      // for an attempt to finish, sends nothing, and the slot and budget unit go back.
      const left = deadline - timers.now();
      if (gaveUp(signal) || left < this.retry.minAttemptMs) {
        ticket.unanswered();
        this.giveBackShared(spec);
        if (gaveUp(signal)) throw abortReason(signal);
        throw new RateLimitedError(
          spec.tool,
          undefined,
          `${Math.max(0, Math.round(left))} ms were left of the call's deadline (${this.retry.deadlineMs} ms), too little for an attempt`,
        );
      }
      const timeoutMs = Math.min(spec.timeoutMs ?? left, left);
      const answer = await this.attempt(call, ticket, number, timeoutMs);
      const { failure } = answer;
      if (!failure) return answer.value as T;
      // The caller gave up while the attempt ran: its answer is not theirs to see any more. (The
      // deadline cutting the attempt short is a failure like a timeout: the retry step refuses it.)
      if (gaveUp(signal)) throw abortReason(signal);
      const now = timers.now();
      const { history, kind } = log.record(failure, startedAt, now);
      const step = retryStep(failure, spec.safety, history, this.retry, this.options.random);
      if (!step.retry) return spec.giveUp({ ...answer, failure }, step.why);
      this.counts.retries++;
      this.safely("retry", () =>
        spec.observe?.retry?.({
          attempt: history.failures,
          delayMs: step.delayMs,
          reason: failure.kind,
          kind,
        }),
      );
      retried = true;
      // A paced bucket holds the call (at the head of its queue) until the refill; otherwise it waits its own delay.
      if (!(step.holdsBucket && this.pacing)) await this.sleep(call, step.delayMs);
    }
  }

  /** Waits for the shared budget, then for the bucket's budget and a slot; bounded by the deadline and the signal. */
  private async admit<T>(call: Running<T>, front: boolean): Promise<Ticket> {
    const { spec } = call;
    const { timers } = this.options;
    const queuedAt = timers.now();
    const stopWaiting = this.waitClock.begin();
    let ticket: Ticket | undefined;
    try {
      if (this.options.shared) await this.claimShared(call);
      try {
        ticket = await this.queue(call, front);
      } catch (error) {
        this.giveBackShared(spec);
        throw error;
      }
      return ticket;
    } finally {
      stopWaiting();
      const waitedMs = timers.now() - queuedAt;
      this.counts.callWaitMs += waitedMs;
      const bucket = ticket?.bucket;
      if (bucket !== undefined && waitedMs >= 1)
        this.safely("throttled", () => spec.observe?.throttled?.(bucket, waitedMs));
    }
  }

  private queue<T>({ spec, deadline, signal }: Running<T>, front: boolean): Promise<Ticket> {
    const { timers } = this.options;
    // The last moment an attempt may start: a call admitted later could not be sent anyway.
    const sendBy = deadline - this.retry.minAttemptMs;
    return new Promise<Ticket>((resolve, reject) => {
      let settled = false;
      let timer: TimerHandle | undefined;
      let queued: Queued | undefined;
      const settle = () => {
        settled = true;
        timer?.cancel();
        signal.removeEventListener("abort", onAbort);
      };
      const leave = (error: unknown) => {
        if (settled || !queued?.withdraw()) return;
        settle();
        reject(error);
      };
      const onAbort = () =>
        leave(
          signal.reason === DEADLINE
            ? new RateLimitedError(
                spec.tool,
                undefined,
                `the call's deadline (${this.retry.deadlineMs} ms) passed while it waited`,
              )
            : abortReason(signal),
        );
      queued = this.core.enqueue(
        spec.bucket,
        (ticket) => {
          settle();
          resolve(ticket);
        },
        {
          deadline: sendBy,
          front,
          declared: spec.declared,
          expire: (refillAt) => {
            settle();
            reject(
              new RateLimitedError(
                spec.tool,
                refillAt - timers.now(),
                `its bucket's budget returns only after the call's deadline (${this.retry.deadlineMs} ms)`,
              ),
            );
          },
        },
      );
      if (settled) return;
      timer = timers.at(sendBy, () =>
        leave(
          new RateLimitedError(
            spec.tool,
            undefined,
            `it waited for budget or a free slot until the call's deadline (${this.retry.deadlineMs} ms)`,
          ),
        ),
      );
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort();
    });
  }

  private async claimShared<T>(call: Running<T>): Promise<void> {
    const { spec, deadline, signal } = call;
    const shared = this.options.shared as SharedBudget;
    const { timers } = this.options;
    const follow = spec.declared !== true && (this.options.learnBuckets ?? true);
    for (;;) {
      const asked = this.core.resolve(spec.bucket, !follow);
      const claim = await shared.claim(asked, follow);
      // Another process learnt the bucket spends another's budget: the claim was of that one.
      if (follow && claim.bucket !== undefined && claim.bucket !== asked)
        this.core.adopt(asked, claim.bucket);
      if (signal.aborted) {
        if (claim.granted) this.giveBackShared(spec);
        throw gaveUp(signal)
          ? abortReason(signal)
          : new RateLimitedError(
              spec.tool,
              undefined,
              "the call's deadline passed while it waited for the shared budget",
            );
      }
      if (claim.granted) {
        call.window = { opened: claim.opened, length: claim.length };
        return;
      }
      if (timers.now() + claim.retryInMs + this.retry.minAttemptMs > deadline)
        throw new RateLimitedError(
          spec.tool,
          claim.retryInMs,
          `the shared budget returns only after the call's deadline (${this.retry.deadlineMs} ms)`,
        );
      await this.sleep(call, Math.max(10, claim.retryInMs));
    }
  }

  private giveBackShared<T>(spec: CallSpec<T>): void {
    this.options.shared?.giveBack(this.core.resolve(spec.bucket, spec.declared === true));
  }

  /** One attempt on the wire with its slot; the ticket is reported exactly once, whatever happens. */
  private async attempt<T>(
    call: Running<T>,
    ticket: Ticket,
    number: number,
    timeoutMs: number,
  ): Promise<AttemptAnswer<T>> {
    const { spec, signal } = call;
    const { timers } = this.options;
    this.counts.attempts++;
    this.safely("attempt", () => spec.observe?.attempt?.(ticket.bucket, number));
    const sentAt = timers.now();
    let answer: AttemptAnswer<T>;
    try {
      answer = await spec.send({ number, bucket: ticket.bucket, timeoutMs, signal });
    } catch (thrown) {
      // An adapter that throws instead of answering: nothing learnt, the error is the caller's.
      answer = { thrown, answered: false, failure: { kind: "fatal" } };
    }
    try {
      const outcome: Outcome = { sentAt, receivedAt: timers.now(), signal: answer.signal, ...call.window };
      const failure = answer.failure;
      if (failure?.kind === "rate_limited") {
        this.counts.rateLimited++;
        if (failure.concurrency) ticket.concurrencyRefused(outcome);
        else ticket.refused(outcome);
        this.safely("rateLimited", () => spec.observe?.rateLimited?.(ticket.bucket, failure, answer.via));
      } else if (answer.answered) ticket.answered(outcome);
      else ticket.unanswered();
    } finally {
      ticket.unanswered(); // a no-op once reported: the slot is released exactly once
    }
    return answer;
  }

  /** A backoff, bounded by the deadline (the retry step checked it) and cut short by the signal. */
  private sleep<T>({ deadline, signal }: Running<T>, ms: number): Promise<void> {
    const { timers } = this.options;
    const start = timers.now();
    const stopWaiting = this.waitClock.begin();
    return new Promise<void>((resolve, reject) => {
      const finish = () => {
        stopWaiting();
        this.counts.callWaitMs += timers.now() - start;
        signal.removeEventListener("abort", onAbort);
      };
      const timer = timers.at(Math.min(start + ms, deadline), () => {
        finish();
        resolve();
      });
      const onAbort = () => {
        timer.cancel();
        finish();
        // The deadline ends the sleep; the next admission then refuses the call with the reason.
        if (gaveUp(signal)) reject(abortReason(signal));
        else resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort();
    });
  }

  /** Runs user code; a throw is reported (`onHookError`, or one warning per hook) and changes nothing else. */
  safely(hook: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.hookFailed(error, hook);
    }
  }

  private hookFailed(error: unknown, hook: string): void {
    try {
      if (this.options.onHookError) {
        this.options.onHookError(error, hook);
        return;
      }
    } catch {
      // The error reporter itself threw: fall through to the warning.
    }
    if (this.warned.has(hook)) return;
    this.warned.add(hook);
    console.warn(`paceline: a ${hook} listener threw (ignored; the call goes on): ${String(error)}`);
  }

  /** Fails every queued, sleeping and running call with ClientClosedError; nothing more is sent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.running) call.abort(new ClientClosedError());
    this.core.stop();
    await this.options.shared?.close();
  }
}
