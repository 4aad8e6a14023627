import { PacingCore, type Ticket } from "../../client/backoff/pacing-core.js";
import { type RetryOptions, retryStep } from "../../client/backoff/retry-policy.js";
import type { Rng } from "../fake-okta/rng.js";
import type { EventLoop } from "./event-loop.js";
import type { OktaModel } from "./okta-model.js";

/**
 * paceline's pacing core (the one the real client runs) driven in virtual time, with the real
 * retry step; only the transport is the simulated Okta. Tools are named by the caller, so a cell
 * can use names the client has never seen; which share a budget is learnt, as in the real client.
 */
export interface SimClientOptions {
  maxConcurrent: number;
  /** False: the retry-only strategy (no budget pacing; a 429 delays only its own call). */
  pacing: boolean;
  retry?: RetryOptions;
  onPolicy?: ConstructorParameters<typeof PacingCore>[0]["onPolicy"];
}

interface Call {
  tool: string;
  method: string;
  path: string;
  firstSentAt?: number;
  failures: number;
  kinds: Map<string, number>;
  done: (ok: boolean) => void;
}

export class SimClient {
  private readonly core: PacingCore;
  attempts = 0;
  rateLimited = 0;
  failed = 0;

  constructor(
    private readonly loop: EventLoop,
    private readonly server: OktaModel,
    private readonly options: SimClientOptions,
    private readonly rng: Rng,
  ) {
    this.core = new PacingCore(
      {
        maxConcurrent: options.maxConcurrent,
        pacing: options.pacing,
        learnBuckets: true,
        onPolicy: options.onPolicy,
      },
      {
        now: () => loop.now,
        at: (at, fn) => {
          let live = true;
          loop.at(at, () => live && fn());
          return { cancel: () => (live = false) };
        },
      },
    );
  }

  call(tool: string, method: string, path: string, done: (ok: boolean) => void): void {
    this.attempt({ tool, method, path, failures: 0, kinds: new Map(), done });
  }

  private attempt(call: Call): void {
    this.core.enqueue(call.tool, (ticket) => this.send(call, ticket));
  }

  private send(call: Call, ticket: Ticket): void {
    const sentAt = this.loop.now;
    call.firstSentAt ??= sentAt;
    this.attempts++;
    this.server.request(call.method, call.path, (answer) => {
      const outcome = { sentAt, receivedAt: this.loop.now, signal: answer.signal };
      if (answer.status === 200) {
        ticket.answered(outcome);
        call.done(true);
        return;
      }
      this.rateLimited++;
      const concurrency = answer.kind === "concurrency";
      if (concurrency) ticket.concurrencyRefused(outcome);
      else ticket.refused(outcome);
      this.retry(call, concurrency, answer.signal.resetMs);
    });
  }

  private retry(call: Call, concurrency: boolean, waitMs: number | undefined): void {
    call.failures++;
    const kind = concurrency ? "concurrency" : "rate_limited";
    call.kinds.set(kind, (call.kinds.get(kind) ?? 0) + 1);
    const step = retryStep(
      { kind: "rate_limited", waitMs, concurrency },
      { readOnly: true, idempotent: true },
      {
        failures: call.failures,
        sameKind: call.kinds.get(kind) ?? 0,
        rateLimited: call.failures,
        firstSentAt: call.firstSentAt ?? this.loop.now,
        now: this.loop.now,
      },
      this.options.retry,
      () => this.rng.next(),
    );
    if (!step.retry) {
      this.failed++;
      call.done(false);
      return;
    }
    // A paced bucket holds the call in its queue until the refill; otherwise it waits its own delay.
    if (step.holdsBucket && this.options.pacing) this.attempt(call);
    else this.loop.after(step.delayMs, () => this.attempt(call));
  }
}
