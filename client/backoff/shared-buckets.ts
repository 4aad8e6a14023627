import type { RateLimitSignal } from "./rate-limit-headers.js";

/**
 * Which tools spend one server budget, learnt from their answers; no gateway's tool names are
 * known here. Every tool starts in its own bucket (or the one a user's table declares). Within a
 * window a server's count only falls, so if two tools share a budget, a call of one sent after an
 * answer of the other reports strictly less remaining (unless both are spent). Two buckets with the
 * same limit whose answers keep that order `evidence` times, and never break it, are merged; one
 * break and they are never merged. Buckets that merely fall in step (equal traffic on two budgets)
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
  private readonly last = new Map<string, LastAnswer>();
  private readonly agree = new Map<string, number>();
  private readonly apart = new Set<string>();

  constructor(private readonly evidence = 8) {}

  /** The bucket a declared bucket currently spends from (itself, unless merged). */
  resolve(bucket: string): string {
    let current = bucket;
    for (let next = this.alias.get(current); next !== undefined; next = this.alias.get(current)) current = next;
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
    const answer = {
      remaining: report.remaining,
      limit: report.limit,
      receivedAt,
      until: receivedAt + (report.resetMs ?? 0) + 1000,
    };
    let merged: { merged: string; into: string } | undefined;
    const own = this.last.get(self);
    const turned = own !== undefined && answer.remaining > own.remaining;
    for (const [other, seen] of turned ? [] : this.last) {
      if (other === self || seen.limit !== answer.limit) continue;
      // Only an answer received before this call was sent, in a window not yet over, can be compared.
      if (seen.receivedAt > sentAt || seen.until < sentAt) continue;
      const pair = [self, other].sort().join("\u0000");
      if (this.apart.has(pair)) continue;
      const ordered = answer.remaining < seen.remaining || (answer.remaining === 0 && seen.remaining === 0);
      if (!ordered) {
        this.apart.add(pair);
        this.agree.delete(pair);
        continue;
      }
      const count = (this.agree.get(pair) ?? 0) + 1;
      this.agree.set(pair, count);
      if (count >= this.evidence && !merged) {
        // The older bucket (first seen) keeps its name, so its queue and state carry on.
        this.alias.set(self, other);
        merged = { merged: self, into: other };
      }
    }
    this.last.set(merged ? merged.into : self, answer);
    if (merged) this.last.delete(merged.merged);
    return merged;
  }
}
