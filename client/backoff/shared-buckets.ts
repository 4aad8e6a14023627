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
 * (Redis) limiter. One count only falls within a window: an answer of X reporting no less than an
 * answer of Y received before X's call was sent, while Y's window was certainly still open, proves
 * two budgets whoever else spends (a break).
 *
 * A gateway that reports budgets only on its 429s gives no falls to weigh; the 429s are the
 * count. A refusal says the server had counted the bucket's whole limit in the refused call's
 * window. That window opened after X's last window turned — after the last refusal X saw
 * before one of its calls was answered again (the floor) — so at least `limit` counted calls
 * reached the server between the floor and the refused call. If X's own calls there cannot
 * make up the limit and Y's can make up the rest, X and Y are one budget. Falls prove that two
 * budgets are not one; refusals cannot, so this evidence is only taken between buckets whose
 * answers never carried a count, and it is fooled by an unseen spender (another client) as the
 * falls are not.
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
  /** …and at the earliest (a whole-second reset may be up to 2 s early). */
  opensUntil: number;
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
  /** Buckets whose answers carried a remaining count: their evidence is the falls. */
  private readonly counted = new Set<string>();
  /** Per bucket without counts: the limit its last 429 stated, its last 429, and its window floor. */
  private readonly refusedLimit = new Map<string, number>();
  private readonly lastRefusal = new Map<string, CallRecord>();
  private readonly floor = new Map<string, number>();

  /**
   * `foreignSpend`: other processes spend these budgets too (a shared limiter), so a fall no
   * call of this process explains proves nothing about which of its buckets made it. Then any
   * unexplained fall while Y spent counts, `evidence + 1` pieces are needed, and one
   * contradiction by the order of counts (which no other spender can fool) parts X and Y for good.
   */
  /** Pieces of evidence that merge a pair, and breaks that part it for good. */
  private readonly toMerge: number;
  private readonly toPart: number;
  /** Other processes spend these budgets: any unexplained fall while Y spent is evidence. */
  private readonly foreignSpend: boolean;

  constructor(evidence = 2, foreignSpend = false) {
    this.foreignSpend = foreignSpend;
    this.toMerge = foreignSpend ? evidence + 1 : evidence;
    this.toPart = foreignSpend ? 1 : 3;
  }

  /** The bucket a declared bucket currently spends from (itself, unless merged). */
  resolve(bucket: string): string {
    let current = bucket;
    for (let next = this.alias.get(current); next !== undefined; next = this.alias.get(current))
      current = next;
    return current;
  }

  /**
   * X and Y may yet prove one budget: not merged, the same limit in their last answers, and no
   * evidence yet that they are two.
   */
  undecided(x: string, y: string): boolean {
    const [a, b] = [this.resolve(x), this.resolve(y)];
    if (a === b) return false;
    const limit = this.answers.get(a)?.at(-1)?.limit;
    if (limit === undefined || this.answers.get(b)?.at(-1)?.limit !== limit) return false;
    return (this.breaks.get([a, b].sort().join("\u0000")) ?? 0) === 0;
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
    const self = this.resolve(bucket);
    if (report?.remaining === undefined || !report.limit) {
      // Answered after a refusal it was sent after: the window has turned since that refusal.
      const refusal = this.lastRefusal.get(self);
      if (refusal && call.sentAt >= refusal.receivedAt) this.floor.set(self, refusal.sentAt);
      return undefined;
    }
    this.counted.add(self);
    const answer: Answer = {
      remaining: report.remaining,
      limit: report.limit,
      call,
      until: call.receivedAt + (report.resetMs ?? 0) + 2000,
      opensUntil: call.sentAt + (report.resetMs ?? 0) - 2000,
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

  /**
   * Learns from one rate-limit refusal of `bucket` (its call settled, not counted). Returns the
   * bucket it merged into, when this refusal settled that two buckets are one.
   */
  refused(
    bucket: string,
    report: RateLimitSignal | undefined,
    call: CallRecord,
  ): { merged: string; into: string } | undefined {
    const x = this.resolve(bucket);
    const limit = report?.limit;
    if (!limit) return undefined;
    this.refusedLimit.set(x, limit);
    // Before any turn, every call X ever made may be in the window.
    const floor = this.floor.get(x) ?? Number.NEGATIVE_INFINITY;
    if ((this.lastRefusal.get(x)?.sentAt ?? Number.NEGATIVE_INFINITY) < call.sentAt)
      this.lastRefusal.set(x, call);
    if (this.counted.has(x)) return undefined;
    // Calls counted between the floor and this refusal's arrival, the refused call left out.
    const counted = (calls: CallRecord[]) => {
      let possible = 0;
      let certain = 0;
      for (const c of calls) {
        if (!c.counted || c === call || c.receivedAt <= floor || c.sentAt >= call.receivedAt) continue;
        possible++;
        if (c.sentAt > floor && c.receivedAt < call.sentAt) certain++;
      }
      return { possible, certain };
    };
    const mine = counted(this.calls.get(x) ?? []);
    if (mine.possible >= limit) return undefined;
    for (const y of this.calls.keys()) {
      if (y === x || this.counted.has(y) || this.refusedLimit.get(y) !== limit) continue;
      // Every call either bucket let go of was answered before the floor.
      if (floor < Math.max(this.forgottenAt(x), this.forgottenAt(y))) continue;
      const theirs = counted(this.calls.get(y) ?? []);
      if (theirs.certain === 0 || theirs.possible < limit - mine.possible) continue;
      // One refusal is enough: each costs a window of refused calls, and what could fool it (an
      // unseen spender) would fool a second alike.
      return this.mergePair(x, y);
    }
    return undefined;
  }

  /** Weighs one answer of X against X's earlier one as evidence about Y. */
  private weigh(
    x: string,
    y: string,
    own: Answer[],
    answer: Answer,
  ): { merged: string; into: string } | undefined {
    const pair = [x, y].sort().join("\u0000");
    if ((this.breaks.get(pair) ?? 0) >= this.toPart) return undefined;
    // Budgets of different limits are different budgets.
    if (this.answers.get(y)?.at(-1)?.limit !== answer.limit) return undefined;
    // One budget's count only falls within a window: an answer of Y received before this call
    // was sent, in a window still open when this answer came, reporting no more than this one
    // proves two budgets. Another spender only lowers this count, so nothing fools this.
    const contradicted = this.answers
      .get(y)
      ?.some(
        (a) =>
          a.call.receivedAt <= answer.call.sentAt &&
          answer.call.receivedAt <= a.opensUntil &&
          answer.remaining >= a.remaining,
      );
    if (contradicted) {
      this.breaks.set(pair, (this.breaks.get(pair) ?? 0) + 1);
      this.agree.delete(pair);
      return undefined;
    }
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
    } else if (excess > 0 && theirs.certain > 0 && (this.foreignSpend || theirs.possible >= excess)) {
      this.agree.set(pair, (this.agree.get(pair) ?? 0) + 1);
    } else return undefined;
    // The next piece of evidence comes from a later interval.
    this.since.set(key, answer.call.receivedAt);
    if ((this.agree.get(pair) ?? 0) < this.toMerge) return undefined;
    return this.mergePair(x, y);
  }

  private mergePair(x: string, y: string): { merged: string; into: string } {
    // The name that sorts first carries on, whichever was seen first: processes sharing a budget
    // (Redis) learn the same merge in any order and must name the one key alike.
    const [into, from] = x < y ? [x, y] : [y, x];
    this.join(from, into);
    return { merged: from, into };
  }

  /**
   * Takes a merge another process learnt (`from` spends `into`'s budget, as the shared store
   * says); false when `from` is already `into` here.
   */
  adopt(from: string, into: string): boolean {
    const source = this.resolve(from);
    const target = this.resolve(into);
    if (source === target) return false;
    this.join(source, target);
    return true;
  }

  /** `from` spends `into`'s budget from now on: its calls and window floor go along. */
  private join(from: string, into: string): void {
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
    // Both sides' answers of this window report one count now: kept, in the order they came.
    const answers = [...(this.answers.get(into) ?? []), ...(this.answers.get(from) ?? [])];
    this.answers.set(into, answers.sort((a, b) => a.call.receivedAt - b.call.receivedAt).slice(-KEEP));
    this.answers.delete(from);
    if (this.counted.has(from)) this.counted.add(into);
    this.floor.set(into, Math.max(this.floor.get(into) ?? -Infinity, this.floor.get(from) ?? -Infinity));
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
