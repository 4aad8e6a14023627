import {
  absorb,
  type BucketState,
  ensureRefill,
  foundStart,
  type Interval,
  initialBucket,
  mergedBudget,
  onAnswer,
  onRefill,
  onRefused,
  onRelease,
  onReturned,
  type PolicyOptions,
} from "./bucket-policy.js";
import {
  type ConcurrencyState,
  initialConcurrency,
  onCallSent,
  onCallSucceeded,
  onConcurrencyRefused,
} from "./concurrency-policy.js";
import type { RateLimitSignal } from "./rate-limit-headers.js";
import { type CallRecord, SharedBuckets } from "./shared-buckets.js";

/**
 * The pacing policy carried out in one process: a FIFO per bucket, released synchronously while
 * the bucket's budget and the concurrency cap allow, refill timers where the policy asks. Time and
 * timers are injected, so the same code runs in the client (real time) and in the simulator
 * (virtual time). Every released call gets a ticket and reports its outcome on it exactly once.
 */
export interface Timers {
  now(): number;
  /** Runs `fn` at `at` (epoch ms); the handle cancels it. */
  at(at: number, fn: () => void): TimerHandle;
}

export interface TimerHandle {
  cancel(): void;
  /** Whether the timer keeps the process alive (real time only). */
  hold?(keepAlive: boolean): void;
}

export type PolicyEvent = {
  bucket: string;
  step: PolicyStep;
  state: BucketState;
  at: number;
  /** This answer's call opened the bucket's window, between these times. */
  opened?: Interval;
};

export interface CoreOptions {
  maxConcurrent: number;
  /** False: retry-only (no budget pacing); the concurrency cap still holds. */
  pacing: boolean;
  /** Learn which buckets are one budget from the answers. */
  learnBuckets: boolean;
  /** Other processes spend the same budgets (a shared limiter): falls are weighed as such. */
  foreignSpend?: boolean;
  /** Budget above this is not paced; Infinity keeps buckets paced. */
  freeAbove?: number;
  /**
   * Sees each policy step. It is told after the step, outside the core's critical section (a
   * microtask later), so it can neither see a half-made step nor break one by throwing.
   */
  onPolicy?: (event: PolicyEvent) => void;
  /** A user hook threw: reported here, and nothing else changes. */
  onHookError?: (error: unknown, hook: string) => void;
  /** The answers showed that `from` spends `into`'s budget (told a microtask later, as `onPolicy`). */
  onMerge?: (from: string, into: string) => void;
}

export type PolicyStep = "answered" | "refused" | "concurrency-refused" | "unanswered" | "refill";

/** What one attempt's answer showed. */
export interface Outcome {
  sentAt: number;
  receivedAt: number;
  signal?: RateLimitSignal;
  /** Where a shared store said the window the call was granted in opened. */
  opened?: Interval;
  /** What a shared store said of the windows' length. */
  length?: Interval;
}

export interface Ticket {
  /** The bucket the call was released from. */
  readonly bucket: string;
  answered(outcome: Outcome): void;
  refused(outcome: Outcome): void;
  concurrencyRefused(outcome: Outcome): void;
  /** No answer came (a network failure): nothing learnt, the slot frees. */
  unanswered(): void;
}

interface Waiting {
  /** The bucket as the caller named it. */
  declared: string;
  /** Declared by the user: never resolved through a learnt merge. */
  fixed: boolean;
  start: (ticket: Ticket) => void;
  /** The call gives up at this time (epoch ms): a refill planned later fails it at once. */
  deadline: number;
  /** Told, instead of `start`, that its bucket refills only at `refillAt`, after its deadline. */
  expire?: (refillAt: number) => void;
}

export interface EnqueueOptions {
  deadline?: number;
  expire?: (refillAt: number) => void;
  /** A retried call keeps its place at the head of its bucket's queue. */
  front?: boolean;
  /** A bucket the user declared: never merged with another. */
  declared?: boolean;
}

/** A queued call's handle: `withdraw` takes it out of its queue, if it is still there. */
export interface Queued {
  withdraw(): boolean;
}

interface Bucket {
  name: string;
  state: BucketState;
  queue: Waiting[];
  /** Released and not yet reported. */
  inFlight: number;
  /** When this bucket's recent calls were lost (no answer: the server may have counted them), oldest first. */
  lostAt: number[];
  timer?: TimerHandle;
  timerAt?: number;
  /** Declared by the user: never merged. */
  fixed: boolean;
}

const LOST_KEPT = 256;

function remember(bucket: Bucket, at: number): void {
  bucket.lostAt.push(at);
  if (bucket.lostAt.length > LOST_KEPT) bucket.lostAt.splice(0, bucket.lostAt.length - LOST_KEPT);
}

/** This bucket's calls lost since `since`: the server may have counted them, unseen. */
function lostSince(bucket: Bucket, since: number): number {
  let count = 0;
  for (let i = bucket.lostAt.length - 1; i >= 0 && (bucket.lostAt[i] as number) >= since; i--) count++;
  return count;
}

export class PacingCore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly shared: SharedBuckets;
  private concurrency: ConcurrencyState;
  private readonly policy: PolicyOptions;
  private inFlight = 0;

  constructor(
    private readonly options: CoreOptions,
    private readonly timers: Timers,
  ) {
    this.shared = new SharedBuckets(undefined, options.foreignSpend);
    this.concurrency = initialConcurrency(options.maxConcurrent);
    this.policy = {
      freeAbove: options.freeAbove ?? 4 * options.maxConcurrent,
      firstBudget: options.maxConcurrent,
    };
  }

  /** The bucket a call of `bucket` spends: itself when declared (or nothing is learnt), else its merge. */
  resolve(bucket: string, declared = false): string {
    return this.options.learnBuckets && !declared ? this.shared.resolve(bucket) : bucket;
  }

  get concurrencyCap(): number {
    return this.concurrency.cap;
  }

  /** Calls waiting in every bucket's queue. */
  queued(): number {
    let waiting = 0;
    for (const bucket of this.buckets.values()) waiting += bucket.queue.length;
    return waiting;
  }

  /**
   * Queues a call; `start` runs when its bucket and a slot allow (perhaps at once). A call whose
   * deadline comes before its bucket's planned refill is expired instead of held.
   */
  enqueue(declared: string, start: (ticket: Ticket) => void, options: EnqueueOptions = {}): Queued {
    const fixed = options.declared === true;
    const bucket = this.bucket(declared, fixed);
    const waiting: Waiting = {
      declared,
      fixed,
      start,
      deadline: options.deadline ?? Number.POSITIVE_INFINITY,
      expire: options.expire,
    };
    if (options.front) bucket.queue.unshift(waiting);
    else bucket.queue.push(waiting);
    this.dispatch();
    this.expireBeyond(this.bucket(declared, fixed));
    return {
      withdraw: () => {
        // Its bucket may have merged into another meanwhile, taking its queue along.
        const queue = this.bucket(declared, fixed).queue;
        const index = queue.indexOf(waiting);
        if (index < 0) return false;
        queue.splice(index, 1);
        return true;
      },
    };
  }

  /** Cancels every refill timer (the engine fails the queued calls itself). */
  stop(): void {
    for (const bucket of this.buckets.values()) {
      bucket.timer?.cancel();
      bucket.timerAt = undefined;
    }
  }

  /** Calls released and not yet reported, across all buckets. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  private bucket(declared: string, fixed = false): Bucket {
    const name = this.resolve(declared, fixed);
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = { name, state: initialBucket(this.policy), queue: [], inFlight: 0, lostAt: [], fixed };
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  /** Queued calls whose deadline comes before the bucket's planned refill fail now, not then. */
  private expireBeyond(bucket: Bucket): void {
    const at = bucket.state.budget === 0 ? bucket.state.refillAt : undefined;
    if (at === undefined) return;
    const expired = bucket.queue.filter((w) => w.expire && w.deadline < at);
    if (expired.length === 0) return;
    bucket.queue = bucket.queue.filter((w) => !expired.includes(w));
    for (const waiting of expired) waiting.expire?.(at);
  }

  /** Tells the policy hook of a step, outside the critical section; a throwing hook changes nothing. */
  private tell(event: PolicyEvent): void {
    const hook = this.options.onPolicy;
    if (hook) this.later("onPolicy", () => hook(event));
  }

  /** Runs a hook a microtask later, outside the critical section; a throw is reported, not obeyed. */
  private later(name: string, run: () => void): void {
    queueMicrotask(() => {
      try {
        run();
      } catch (error) {
        this.options.onHookError?.(error, name);
      }
    });
  }

  /** Releases queued calls, one bucket after another in turn, while budgets and the cap allow. */
  private dispatch(): void {
    for (let released = true; released && this.inFlight < this.concurrency.cap; ) {
      released = false;
      for (const bucket of this.buckets.values()) {
        if (this.inFlight >= this.concurrency.cap) break;
        const paced = this.options.pacing && bucket.state.budget !== null;
        if (bucket.queue.length === 0 || (paced && (bucket.state.budget ?? 0) <= 0)) continue;
        const waiting = bucket.queue.shift() as Waiting;
        if (paced) bucket.state = onRelease(bucket.state);
        this.release(bucket, waiting);
        released = true;
      }
    }
    for (const bucket of this.buckets.values()) this.holdProcess(bucket);
  }

  private release(bucket: Bucket, waiting: Waiting): void {
    this.inFlight++;
    bucket.inFlight++;
    this.concurrency = onCallSent(this.concurrency, this.inFlight);
    // Every call of a learnt bucket is recorded: the evidence of shared budgets is a count of calls.
    const record =
      this.options.learnBuckets && !bucket.fixed
        ? this.shared.sent(bucket.name, this.timers.now())
        : undefined;
    let reported = false;
    const report = (step: PolicyStep, outcome?: Outcome) => {
      if (reported) return;
      reported = true;
      this.inFlight--;
      // Its bucket may have merged into another meanwhile, taking its count along.
      this.bucket(waiting.declared, waiting.fixed).inFlight--;
      if (record) this.shared.settled(record, outcome?.receivedAt ?? this.timers.now(), step === "answered");
      this.learn(waiting, step, outcome, record);
      this.dispatch();
    };
    waiting.start({
      bucket: bucket.name,
      answered: (outcome) => report("answered", outcome),
      refused: (outcome) => report("refused", outcome),
      concurrencyRefused: (outcome) => report("concurrency-refused", outcome),
      unanswered: () => report("unanswered"),
    });
  }

  private learn(waiting: Waiting, step: PolicyStep, outcome?: Outcome, record?: CallRecord): void {
    if (step === "answered") this.concurrency = onCallSucceeded(this.concurrency);
    if (step === "concurrency-refused" && outcome)
      this.concurrency = onConcurrencyRefused(this.concurrency, outcome.sentAt, outcome.receivedAt);
    if (!this.options.pacing) return;
    // The call's bucket may have merged into another while it was out: its answer lands there.
    let bucket = this.bucket(waiting.declared, waiting.fixed);
    const exchange = outcome
      ? {
          ...outcome,
          inFlight: bucket.inFlight + this.undecidedInFlight(bucket),
          lost: lostSince(bucket, bucket.state.refilledAt),
        }
      : undefined;
    if (step === "unanswered") remember(bucket, this.timers.now());
    if (step === "answered" && exchange) {
      bucket.state = onAnswer(bucket.state, outcome?.signal, exchange, this.policy);
      if (record) {
        const merged = this.shared.observe(bucket.name, outcome?.signal, record);
        if (merged) this.learnt(merged.merged, merged.into);
      }
    } else if (step === "refused" && exchange) {
      bucket.state = onRefused(bucket.state, outcome?.signal, exchange);
      if (record) {
        const merged = this.shared.refused(bucket.name, outcome?.signal, record);
        if (merged) this.learnt(merged.merged, merged.into);
      }
    } else if (step === "concurrency-refused" || step === "unanswered") {
      // Refused before the server counted it, or no answer at all: its budget unit comes back
      // (for a connection that broke mid-call, at worst one unit too many).
      bucket.state = onReturned(bucket.state);
    }
    // A merge just now moved this call's bucket into another: that one is told and armed.
    bucket = this.bucket(waiting.declared, waiting.fixed);
    const opened = step === "answered" && outcome ? foundStart(bucket.state, outcome.receivedAt) : undefined;
    this.tell({ bucket: bucket.name, step, state: bucket.state, at: this.timers.now(), opened });
    this.arm(bucket);
  }

  /**
   * Calls in flight of buckets that may yet prove to spend this one's budget: in its first window
   * (never spent, so never refilled), its budget leaves room for them, or the other bucket's calls
   * overshoot it before the answers show the two are one. Later windows have learnt the merge,
   * or had the chance to: keeping the room for good would cost budgets that are truly apart.
   */
  private undecidedInFlight(bucket: Bucket): number {
    if (!this.options.learnBuckets || bucket.fixed || bucket.state.refilledAt > 0) return 0;
    let count = 0;
    // The cheap tests first: this runs on every answer of a bucket never spent.
    for (const other of this.buckets.values())
      if (
        other.inFlight > 0 &&
        other !== bucket &&
        !other.fixed &&
        this.shared.undecided(bucket.name, other.name)
      )
        count += other.inFlight;
    return count;
  }

  /** A merge this process learnt: carried out here, and told (for other processes to adopt). */
  private learnt(from: string, into: string): void {
    this.merge(from, into);
    const hook = this.options.onMerge;
    if (hook) this.later("onMerge", () => hook(from, into));
  }

  /**
   * Another process learnt that `from` (a bucket as this process names it) spends `into`'s
   * budget, and the shared store says so: this process merges them too, unless `from` was
   * declared or buckets are not learnt here.
   */
  adopt(from: string, into: string): void {
    const source = this.resolve(from);
    if (!this.options.learnBuckets || this.buckets.get(source)?.fixed) return;
    if (!this.shared.adopt(from, into)) return;
    const target = this.resolve(into);
    const bucket = this.buckets.get(source);
    if (bucket && !this.buckets.has(target)) {
      // Nothing of `into` here yet: the bucket carries on under its new name.
      this.buckets.delete(source);
      bucket.name = target;
      this.buckets.set(target, bucket);
    } else this.merge(source, target);
    const merged = this.buckets.get(target);
    if (merged) this.arm(merged);
    this.dispatch();
  }

  /** Queued calls of a merged bucket move to the one it merged into. */
  private merge(from: string, into: string): void {
    const source = this.buckets.get(from);
    const target = this.buckets.get(into);
    if (!source || !target || source.fixed || target.fixed) return;
    source.timer?.cancel();
    // Each side's budget was what it saw remaining less its own calls in flight; one budget now
    // has both sides' calls in flight, so each side's figure loses the other's.
    const budget = mergedBudget(
      { budget: target.state.budget, inFlight: target.inFlight },
      { budget: source.state.budget, inFlight: source.inFlight },
    );
    target.state = { ...absorb(target.state, source.state), budget };
    target.queue.push(...source.queue);
    target.inFlight += source.inFlight;
    target.lostAt = [...target.lostAt, ...source.lostAt].sort((a, b) => a - b).slice(-LOST_KEPT);
    this.buckets.delete(from);
  }

  /** Arms the refill timer the policy asks for. */
  private arm(bucket: Bucket): void {
    bucket.state = ensureRefill(bucket.state, this.timers.now(), bucket.inFlight);
    const at = bucket.state.refillAt;
    if (at === undefined || at === bucket.timerAt) return;
    bucket.timer?.cancel();
    bucket.timerAt = at;
    this.expireBeyond(bucket);
    bucket.timer = this.timers.at(at, () => {
      if (bucket.timerAt !== at) return;
      bucket.timer = undefined;
      bucket.timerAt = undefined;
      if (bucket.state.refillAt !== at) return;
      bucket.state = onRefill(bucket.state, this.timers.now());
      this.tell({ bucket: bucket.name, step: "refill", state: bucket.state, at: this.timers.now() });
      this.dispatch();
    });
    this.holdProcess(bucket);
  }

  /** A refill timer keeps the process alive while calls wait for it, and only then. */
  private holdProcess(bucket: Bucket): void {
    bucket.timer?.hold?.(bucket.queue.length > 0);
  }
}
