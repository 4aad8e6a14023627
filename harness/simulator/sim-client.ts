import {
  type BucketState,
  ensureRefill,
  initialBucket,
  onAnswer,
  onRefill,
  onRefused,
  onRelease,
  onReturned,
  type PolicyOptions,
} from "../../client/backoff/bucket-policy.js";
import {
  type ConcurrencyState,
  initialConcurrency,
  isConcurrencyRefusal,
  onCallSucceeded,
  onConcurrencyRefused,
} from "../../client/backoff/concurrency-policy.js";
import { type RetryOptions, retryStep } from "../../client/backoff/retry-policy.js";
import { SharedBuckets } from "../../client/backoff/shared-buckets.js";
import type { Rng } from "../fake-okta/rng.js";
import type { EventLoop } from "./event-loop.js";
import type { OktaModel } from "./okta-model.js";

/**
 * paceline's limiter policy driven in virtual time: the same pure functions the real client
 * calls (bucket policy, concurrency policy, retry step, shared-bucket learning), with a plain
 * FIFO per bucket where the real client has bottleneck. Tools are named by the caller, so a cell
 * can use names the client has never seen; which share a budget is learnt, as in the real client.
 */
export interface SimClientOptions {
  maxConcurrent: number;
  /** False: the retry-only strategy (no budget pacing; a 429 delays only its own call). */
  pacing: boolean;
  retry?: RetryOptions;
  /** Sees every bucket event (for debugging a cell). */
  trace?: (event: string, bucket: string, state: BucketState, now: number) => void;
}

interface PendingCall {
  tool: string;
  method: string;
  path: string;
  firstSentAt?: number;
  failures: number;
  kinds: Map<string, number>;
  done: (ok: boolean) => void;
}

interface Bucket {
  state: BucketState;
  queue: PendingCall[];
  inFlight: number;
  timerAt?: number;
}

export class SimClient {
  private readonly buckets = new Map<string, Bucket>();
  private readonly learner = new SharedBuckets();
  private concurrency: ConcurrencyState;
  private inFlight = 0;
  private readonly policy: PolicyOptions;
  attempts = 0;
  rateLimited = 0;
  failed = 0;

  constructor(
    private readonly loop: EventLoop,
    private readonly server: OktaModel,
    private readonly options: SimClientOptions,
    private readonly rng: Rng,
  ) {
    this.concurrency = initialConcurrency(options.maxConcurrent);
    this.policy = { freeAbove: 4 * options.maxConcurrent, firstBudget: options.maxConcurrent };
  }

  call(tool: string, method: string, path: string, done: (ok: boolean) => void): void {
    this.enqueue({ tool, method, path, failures: 0, kinds: new Map(), done });
    this.dispatch();
  }

  private bucket(tool: string): Bucket {
    const name = this.learner.resolve(tool);
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = { state: initialBucket(this.policy), queue: [], inFlight: 0 };
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  private enqueue(call: PendingCall, front = false): void {
    const queue = this.bucket(call.tool).queue;
    if (front) queue.unshift(call);
    else queue.push(call);
  }

  private dispatch(): void {
    for (const bucket of this.buckets.values()) {
      while (bucket.queue.length > 0 && this.inFlight < this.concurrency.cap) {
        const paced = this.options.pacing && bucket.state.budget !== null;
        if (paced && (bucket.state.budget ?? 0) <= 0) break;
        const call = bucket.queue.shift() as PendingCall;
        if (paced) bucket.state = onRelease(bucket.state);
        this.send(bucket, call);
      }
    }
  }

  private send(bucket: Bucket, call: PendingCall): void {
    const sentAt = this.loop.now;
    call.firstSentAt ??= sentAt;
    this.attempts++;
    this.inFlight++;
    bucket.inFlight++;
    this.server.request(call.method, call.path, (answer) => {
      this.inFlight--;
      bucket.inFlight--;
      const exchange = { sentAt, receivedAt: this.loop.now, inFlight: bucket.inFlight };
      // The call's bucket may have been merged while it was out.
      const current = this.bucket(call.tool);
      if (answer.status === 200) {
        this.concurrency = onCallSucceeded(this.concurrency);
        if (this.options.pacing) this.learn(call.tool, current, answer.signal, exchange);
        call.done(true);
      } else {
        this.rateLimited++;
        const concurrency = isConcurrencyRefusal(answer.signal);
        if (concurrency) {
          this.concurrency = onConcurrencyRefused(this.concurrency, sentAt, this.loop.now);
          if (this.options.pacing) current.state = onReturned(current.state);
        }
        else if (this.options.pacing) current.state = onRefused(current.state, answer.signal, exchange);
        this.options.trace?.(`429 ${JSON.stringify(answer.signal)} sent ${sentAt}`, call.tool, current.state, this.loop.now);
        this.retry(call, concurrency, answer.signal.resetMs);
      }
      this.settle(current);
      this.dispatch();
    });
  }

  private learn(tool: string, bucket: Bucket, signal: ModelSignal, exchange: Exchange): void {
    const before = bucket.state.remaining;
    bucket.state = onAnswer(bucket.state, signal, exchange, this.policy);
    if (bucket.state.remaining !== undefined && before !== undefined && bucket.state.remaining > before)
      this.options.trace?.(`turn ${JSON.stringify(signal)} sent ${exchange.sentAt}`, tool, bucket.state, this.loop.now);
    const merged = this.learner.observe(tool, signal, exchange.sentAt, exchange.receivedAt);
    if (!merged) return;
    const from = this.buckets.get(merged.merged);
    const into = this.buckets.get(merged.into);
    if (!from || !into) return;
    // Calls still out decrement the old bucket's count; their answers land in the merged one.
    into.queue.push(...from.queue);
    this.buckets.delete(merged.merged);
  }

  private retry(call: PendingCall, concurrency: boolean, waitMs: number | undefined): void {
    call.failures++;
    const kind = concurrency ? "concurrency" : "rate_limited";
    call.kinds.set(kind, (call.kinds.get(kind) ?? 0) + 1);
    const step = retryStep(
      { kind: "rate_limited", waitMs, concurrency },
      { readOnly: true, idempotent: true },
      {
        failures: call.failures,
        sameKind: call.kinds.get(kind) ?? 0,
        rateLimited: (call.kinds.get("concurrency") ?? 0) + (call.kinds.get("rate_limited") ?? 0),
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
    if (step.holdsBucket && this.options.pacing) this.enqueue(call, true);
    else
      this.loop.after(step.delayMs, () => {
        this.enqueue(call, true);
        this.dispatch();
      });
  }

  /** Arms the bucket's refill timer for the time its policy asks. */
  private settle(bucket: Bucket): void {
    bucket.state = ensureRefill(bucket.state, this.loop.now, bucket.inFlight);
    const at = bucket.state.refillAt;
    if (at === undefined || bucket.timerAt === at) return;
    bucket.timerAt = at;
    this.loop.at(at, () => {
      if (bucket.timerAt !== at || bucket.state.refillAt !== at) return;
      bucket.timerAt = undefined;
      bucket.state = onRefill(bucket.state, this.loop.now);
      this.options.trace?.("refill", "", bucket.state, this.loop.now);
      this.dispatch();
    });
  }
}

type ModelSignal = Parameters<typeof onAnswer>[1];
type Exchange = Parameters<typeof onAnswer>[2];
