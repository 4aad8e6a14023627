import type { RateLimitSignal } from "./rate-limit-headers.js";

/**
 * Which tools spend one server budget, learnt from their answers; no gateway's tool names are
 * known here. Every tool starts in its own bucket; buckets a user declares are never learnt.
 *
 * The evidence is a count. Within a window a server's remaining count only falls, by one for
 * every call it counts. Take two answers of bucket X in one window, remaining P then R. The calls
 * counted between them are X's own and, if X shares its budget with Y, Y's too. From the send and
 * answer times of every call, X's own share is bounded: at least the calls sent after the first
 * answer arrived and answered before the second call was sent, at most every call that overlaps
 * the two exchanges. So:
 * - P − R more than X's calls could ever explain, with Y's calls there to explain the rest, is one
 *   piece of evidence that X and Y are one budget;
 * - P − R less than X's and Y's certain calls together proves they are not one budget (a break).
 * Two budgets falling in step (equal traffic on each) never fall faster than their own calls, so
 * they are never merged. Each piece of evidence is taken over an interval disjoint from the last;
 * `evidence` pieces with no break merge a pair of equal limits, and three breaks part them for good.
 * Only the last calls are kept: evidence is taken over an interval that starts after every call
 * the learner let go of was answered, so a call it no longer holds is never read as Y's spend.
 * A client that is not alone on the budget (other processes) sees falls its tools do not explain:
 * those prove nothing, so such a client learns less; a budget shared by processes wants the shared
 * (Redis) limiter.
 */
export interface CallRecord {
  sentAt: number;
  /** Infinity while the call is out. */
  receivedAt: number;
  /** Answered (not refused): the server counted it. */
  counted: boolean;
}

interface Answer {
  remaining: number;
  limit: number;
  call: CallRecord;
  /** When this answer's window ends at the latest. */
  until: number;
}

/** Calls and answers kept per bucket: enough for several round trips at any concurrency. */
const KEEP = 512;

export class SharedBuckets {
  private readonly alias = new Map<string, string>();
  private readonly calls = new Map<string, CallRecord[]>();
  /** Each bucket's answers in its current window, oldest first. */
  private readonly answers = new Map<string, Answer[]>();
  private readonly agree = new Map<string, number>();
  private readonly breaks = new Map<string, number>();
  /** Per ordered pair (X then Y): evidence for X is taken only from X's answers after this time. */
  private readonly since = new Map<string, number>();
  /** Per bucket: when the last call record it let go of was answered. */
  private readonly forgotten = new Map<string, number>();

  constructor(private readonly evidence = 2) {}

  /** The bucket a declared bucket currently spends from (itself, unless merged). */
  resolve(bucket: string): string {
    let current = bucket;
    for (let next = this.alias.get(current); next !== undefined; next = this.alias.get(current))
      current = next;
    return current;
  }

  /** A call of `bucket` was sent; settle the returned record when its answer (or none) comes. */
  sent(bucket: string, sentAt: number): CallRecord {
    const self = this.resolve(bucket);
    const record = { sentAt, receivedAt: Number.POSITIVE_INFINITY, counted: false };
    const list = this.calls.get(self) ?? [];
    list.push(record);
    this.calls.set(self, this.trim(self, list));
    return record;
  }

  settled(record: CallRecord, receivedAt: number, counted: boolean): void {
    record.receivedAt = receivedAt;
    record.counted = counted;
  }

  /**
   * Learns from one answer of `bucket` to the call `call` (settled). Returns the bucket it merged
   * into, when this answer settled that two buckets are one.
   */
  observe(
    bucket: string,
    report: RateLimitSignal | undefined,
    call: CallRecord,
  ): { merged: string; into: string } | undefined {
    if (report?.remaining === undefined || !report.limit) return undefined;
    const self = this.resolve(bucket);
    const answer: Answer = {
      remaining: report.remaining,
      limit: report.limit,
      call,
      until: call.receivedAt + (report.resetMs ?? 0) + 2000,
    };
    const own = this.answers.get(self) ?? [];
    // More remaining than an answer received before this call was sent: a new window.
    const before = own.findLast((a) => a.call.receivedAt <= call.sentAt);
    if (before && answer.remaining > before.remaining) own.length = 0;
    let merged: { merged: string; into: string } | undefined;
    for (const other of this.calls.keys()) {
      if (other === self || merged) continue;
      merged = this.weigh(self, other, own, answer);
    }
    own.push(answer);
    if (own.length > KEEP) own.shift();
    this.answers.set(self, own);
    return merged;
  }

  /** Weighs one answer of X against X's earlier one as evidence about Y. */
  private weigh(
    x: string,
    y: string,
    own: Answer[],
    answer: Answer,
  ): { merged: string; into: string } | undefined {
    const pair = [x, y].sort().join("\u0000");
    if ((this.breaks.get(pair) ?? 0) >= 3) return undefined;
    // Budgets of different limits are different budgets.
    if (this.answers.get(y)?.at(-1)?.limit !== answer.limit) return undefined;
    const key = `${x}\u0000${y}`;
    const since = this.since.get(key) ?? Number.NEGATIVE_INFINITY;
    // Every call either bucket has let go of was answered before the interval starts.
    const complete = Math.max(this.forgottenAt(x), this.forgottenAt(y));
    const first = own.find(
      (a) =>
        a.call.receivedAt >= since &&
        a.call.sentAt >= complete &&
        a.call.receivedAt <= answer.call.sentAt &&
        a.limit === answer.limit,
    );
    // Spent counts say nothing of order; a window that may have turned unseen says nothing either.
    if (!first || first.remaining === 0 || answer.remaining === 0 || answer.call.sentAt > first.until)
      return undefined;
    const mine = this.between(this.calls.get(x) ?? [], first, answer);
    const theirs = this.between(this.calls.get(y) ?? [], first, answer);
    const drop = first.remaining - answer.remaining;
    // This call itself is counted between the two answers: one more than the others.
    const excess = drop - (1 + mine.possible);
    const deficit = 1 + mine.certain + theirs.certain - drop;
    if (deficit > 0) {
      this.breaks.set(pair, (this.breaks.get(pair) ?? 0) + 1);
      this.agree.delete(pair);
    } else if (excess > 0 && theirs.possible >= excess && theirs.certain > 0) {
      this.agree.set(pair, (this.agree.get(pair) ?? 0) + 1);
    } else return undefined;
    // The next piece of evidence comes from a later interval.
    this.since.set(key, answer.call.receivedAt);
    if ((this.agree.get(pair) ?? 0) < this.evidence) return undefined;
    // The name that sorts first carries on, whichever was seen first: processes sharing a budget
    // (Redis) learn the same merge in any order and must name the one key alike.
    const [into, from] = x < y ? [x, y] : [y, x];
    this.alias.set(from, into);
    this.forgotten.set(into, Math.max(this.forgottenAt(into), this.forgottenAt(from)));
    this.calls.set(
      into,
      this.trim(
        into,
        [...(this.calls.get(into) ?? []), ...(this.calls.get(from) ?? [])].sort(
          (a, b) => a.sentAt - b.sentAt,
        ),
      ),
    );
    this.calls.delete(from);
    this.answers.delete(from);
    this.answers.delete(into);
    return { merged: from, into };
  }

  private forgottenAt(bucket: string): number {
    return this.forgotten.get(bucket) ?? Number.NEGATIVE_INFINITY;
  }

  /**
   * Keeps a bucket's last `KEEP` call records, letting go of the oldest answered ones (a call still
   * out may overlap any later interval) and remembering when the last of them was answered.
   */
  private trim(bucket: string, list: CallRecord[]): CallRecord[] {
    while (list.length > KEEP) {
      const index = list.findIndex((call) => call.receivedAt !== Number.POSITIVE_INFINITY);
      if (index < 0) break;
      const [dropped] = list.splice(index, 1);
      if (dropped) this.forgotten.set(bucket, Math.max(this.forgottenAt(bucket), dropped.receivedAt));
    }
    return list;
  }

  /**
   * Of a bucket's calls (the two answered exchanges left out), how many the server certainly
   * counted between the two answers' counting moments, and how many it may have.
   */
  private between(calls: CallRecord[], first: Answer, last: Answer): { certain: number; possible: number } {
    let certain = 0;
    let possible = 0;
    for (const call of calls) {
      if (call === first.call || call === last.call) continue;
      // Counted at some moment between its send and its answer.
      if (call.sentAt >= last.call.receivedAt || call.receivedAt <= first.call.sentAt) continue;
      possible++;
      if (call.counted && call.sentAt >= first.call.receivedAt && call.receivedAt <= last.call.sentAt)
        certain++;
    }
    return { certain, possible };
  }
}
