import type { RateLimitSignal } from "./rate-limit-headers.js";

/**
 * Which tools spend one server budget, learnt from their answers; no gateway's tool names are
 * known here. Every tool starts in its own bucket (or the one a user's table declares). Within a
 * window a server's count only falls, so if two tools share a budget, a call of one sent after an
 * answer of the other reports strictly less remaining (unless both are spent). Two buckets with the
 * same limit whose answers keep that order `evidence` times, each time from the other side (so a
 * busy bucket cannot merge with an idle one whose single answer it keeps undercutting), and never
 * break it, are merged; three
 * breaks and they are never merged (one may be a window that turned unseen). Buckets that merely fall in step (equal traffic on two budgets)
 * break the order about half the time, so they stay apart. An answer whose own bucket has just
 * turned to a new window (its remaining rose) compares with nothing: the other's answer may speak
 * of the window before.
 */
interface LastAnswer {
  remaining: number;
  limit: number;
  receivedAt: number;
  /** When this answer's window ends at the latest. */
  until: number;
}

export class SharedBuckets {
  private readonly alias = new Map<string, string>();
  /** Each bucket's latest answers, oldest first (a few rounds' worth). */
  private readonly recent = new Map<string, LastAnswer[]>();
  private readonly agree = new Map<string, { count: number; lastFrom: string }>();
  private readonly breaks = new Map<string, number>();
  /** When each bucket was first seen. */
  private readonly order = new Map<string, number>();

  constructor(private readonly evidence = 8) {}

  /** The bucket a declared bucket currently spends from (itself, unless merged). */
  resolve(bucket: string): string {
    let current = bucket;
    for (let next = this.alias.get(current); next !== undefined; next = this.alias.get(current))
      current = next;
    return current;
  }

  /**
   * Learns from one answer of `bucket` to a call sent at `sentAt`. Returns the bucket it merged
   * into, when this answer settled that two buckets are one.
   */
  observe(
    bucket: string,
    report: RateLimitSignal | undefined,
    sentAt: number,
    receivedAt: number,
  ): { merged: string; into: string } | undefined {
    if (report?.remaining === undefined || !report.limit) return undefined;
    const self = this.resolve(bucket);
    if (!this.order.has(self)) this.order.set(self, this.order.size);
    const answer = {
      remaining: report.remaining,
      limit: report.limit,
      receivedAt,
      until: receivedAt + (report.resetMs ?? 0) + 1000,
    };
    let merged: { merged: string; into: string } | undefined;
    // Its own bucket's latest answer received before this call was sent: more remaining than that
    // means a new window (answers to calls sent earlier may simply arrive late).
    const own = this.recent.get(self)?.findLast((a) => a.receivedAt <= sentAt);
    const turned = own !== undefined && answer.remaining > own.remaining;
    for (const [other, answers] of turned ? [] : this.recent) {
      // The latest answer of the other bucket that arrived before this call was sent.
      const seen = answers.findLast((a) => a.receivedAt <= sentAt);
      if (other === self || !seen || seen.limit !== answer.limit || seen.until < sentAt) continue;
      const pair = [self, other].sort().join("\u0000");
      if ((this.breaks.get(pair) ?? 0) >= 3) continue;
      // A spent bucket's answer says nothing about order: the next may be a new window.
      if (seen.remaining === 0 && answer.remaining > 0) continue;
      const ordered = answer.remaining < seen.remaining || (answer.remaining === 0 && seen.remaining === 0);
      if (!ordered) {
        this.breaks.set(pair, (this.breaks.get(pair) ?? 0) + 1);
        continue;
      }
      const previous = this.agree.get(pair);
      if (previous?.lastFrom === self) continue;
      const count = (previous?.count ?? 0) + 1;
      this.agree.set(pair, { count, lastFrom: self });
      if (count >= this.evidence && !merged) {
        // The older bucket (first seen) keeps its name, so its queue and state carry on.
        const [into, from] =
          (this.order.get(other) ?? 0) <= (this.order.get(self) ?? 0) ? [other, self] : [self, other];
        this.alias.set(from, into);
        merged = { merged: from, into };
      }
    }
    const list = this.recent.get(self) ?? [];
    list.push(answer);
    if (list.length > 64) list.shift();
    this.recent.set(self, list);
    if (merged) {
      const into = this.recent.get(merged.into) ?? [];
      this.recent.set(
        merged.into,
        [...into, ...(this.recent.get(merged.merged) ?? [])]
          .sort((a, b) => a.receivedAt - b.receivedAt)
          .slice(-64),
      );
      this.recent.delete(merged.merged);
    }
    return merged;
  }
}
