import { type Interval, intersect } from "../../client/backoff/bucket-policy.js";
import type { PolicyEvent } from "../../client/backoff/pacing-core.js";
import type { Claim, SharedBudget } from "../../client/engine/call-engine.js";
import {
  askAgainInMs,
  FLIGHT_TTL_MS,
  MERGE_HOPS,
  PROBE_HOLD_MS,
  PROBE_POLL_MS,
  sharedUpdate,
} from "../../client/engine/redis-budget.js";
import type { EventLoop } from "./event-loop.js";

/**
 * The shared budget of `client/engine/redis-budget.ts` in virtual time: one store several
 * simulated workers claim from, with the same rules as its Lua scripts — a claim is granted while
 * the key is positive, and decrements it; the first claim on a missing key marks it (-1) and goes,
 * and the others wait for that probe's answer; a claim also waits while no more units are left
 * than calls in flight (every worker's, counted from the window's probe; each settled call lowers
 * its root's count, which lives FLIGHT_TTL_MS after its last grant); an answer lowers the key and
 * its life (sets it when missing or marked), an answer without a budget frees a missing or marked
 * key; a 429 sets it to 0 until its reset; a probe never sent unmarks it; keys expire. A merge
 * one worker learnt joins two buckets' sets (the name that sorts first is the root), and a
 * following claim is of its bucket's root. A grant carries the window's start (told by the
 * answer whose call opened it, forgotten when an answer setting a key afresh tells none) and the
 * windows' length (each told length narrows it; one that contradicts it replaces it).
 */
interface Key {
  value: number;
  expiresAt: number;
}

export class VirtualRedis {
  private readonly keys = new Map<string, Key>();
  private readonly merges = new Map<string, string>();
  /** Where each budget's current window opened, as the process whose call opened it told. */
  private readonly opened = new Map<string, Interval>();
  /** What the processes learnt of each budget's windows' length. */
  private readonly lengths = new Map<string, Interval>();
  /** Each budget's calls granted and not yet settled, every worker's. */
  private readonly flight = new Map<string, Key>();

  constructor(private readonly loop: EventLoop) {}

  private get(bucket: string): Key | undefined {
    const key = this.keys.get(bucket);
    if (key && key.expiresAt <= this.loop.now) {
      this.keys.delete(bucket);
      return undefined;
    }
    return key;
  }

  private inFlight(bucket: string): number {
    const flight = this.flight.get(bucket);
    return flight && flight.expiresAt > this.loop.now ? flight.value : 0;
  }

  private flying(bucket: string, value: number): void {
    this.flight.set(bucket, { value, expiresAt: this.loop.now + FLIGHT_TTL_MS });
  }

  /** A call settled: one fewer in flight (the count keeps its life). */
  private landed(bucket: string): void {
    const flight = this.flight.get(bucket);
    if (flight && this.inFlight(bucket) > 0) flight.value--;
  }

  /** One worker's handle on the store (what `RedisBudget` is for one process). */
  budget(): SharedBudget {
    return {
      claim: async (asked, follow): Promise<Claim> => {
        const bucket = follow ? rootOf(this.merges, asked) : asked;
        const key = this.get(bucket);
        if (!key) {
          this.keys.set(bucket, { value: -1, expiresAt: this.loop.now + PROBE_HOLD_MS });
          this.flying(bucket, 1);
          return { granted: true, bucket };
        }
        if (key.value > 0 && key.value <= this.inFlight(bucket))
          return { granted: false, retryInMs: askAgainInMs(PROBE_POLL_MS), bucket };
        if (key.value > 0) {
          key.value--;
          this.flying(bucket, this.inFlight(bucket) + 1);
          return { granted: true, bucket, opened: this.opened.get(bucket), length: this.lengths.get(bucket) };
        }
        const left = key.expiresAt - this.loop.now;
        return {
          granted: false,
          retryInMs: askAgainInMs(key.value < 0 ? Math.min(left, PROBE_POLL_MS) : left),
          bucket,
        };
      },
      merged: (from, into) => joinRoots(this.merges, from, into),
      giveBack: (bucket) => {
        this.landed(bucket);
        const key = this.get(bucket);
        if (key && key.value < 0) this.keys.delete(bucket);
        else if (key) key.value++;
      },
      // The same update as RedisBudget's (sharedUpdate), applied as its Lua script applies it.
      tell: (event: PolicyEvent) => {
        // Every step but a refill settles one of this worker's calls.
        if (event.step !== "refill") this.landed(rootOf(this.merges, event.bucket));
        const update = sharedUpdate(event);
        if (!update) return;
        const key = this.get(event.bucket);
        const unknown = !key || key.value < 0;
        if (update.opened) this.opened.set(event.bucket, update.opened);
        else if (unknown) this.opened.delete(event.bucket);
        // A length narrows the one known; one that contradicts it replaces it.
        if (update.length)
          this.lengths.set(
            event.bucket,
            intersect(this.lengths.get(event.bucket), update.length) ?? update.length,
          );
        const set = () =>
          this.keys.set(event.bucket, { value: update.value, expiresAt: event.at + update.ttlMs });
        if (update.kind === "hold" || (unknown && update.kind === "answer")) set();
        else if (update.kind === "free") {
          if (unknown) set();
        } else if (key) {
          key.value = Math.min(key.value, update.value);
          key.expiresAt = Math.min(key.expiresAt, event.at + update.ttlMs);
        }
      },
      close: async () => {},
    };
  }
}

/** A bucket's root in the store's merge sets, as MERGE_ROOT follows them (at most MERGE_HOPS links). */
function rootOf(merges: Map<string, string>, bucket: string): string {
  let name = bucket;
  for (let hop = 0; hop < MERGE_HOPS; hop++) {
    const next = merges.get(name);
    if (next === undefined) break;
    name = next;
  }
  return name;
}

/** Joins two buckets' sets under the root that sorts first, as the MERGE script does. */
function joinRoots(merges: Map<string, string>, a: string, b: string): void {
  const [root, other] = [rootOf(merges, a), rootOf(merges, b)].sort();
  if (root !== undefined && other !== undefined && root !== other) merges.set(other, root);
}
