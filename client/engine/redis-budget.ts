import type { Redis } from "ioredis";
import { type Interval, plannedCheck, takenWhole } from "../backoff/bucket-policy.js";
import type { PolicyEvent } from "../backoff/pacing-core.js";
import { SharedLimiterError } from "../errors.js";
import type { Claim, SharedBudget } from "./call-engine.js";

/**
 * A bucket's budget shared by several processes through Redis, claimed atomically (a Lua script)
 * before a process takes a local slot. The key holds what the server last said remains, less the
 * claims made since; it expires when the server's window does. A new window starts with one
 * probe across all processes: the first claim on a missing key marks it (-1) and goes; the others
 * wait for that call's answer, which sets the count (or, from a server that reports no budget,
 * frees the key). Claims granted while the count was unknown would each be a call no process
 * counted. A 429 sets it to 0 until the 429's reset: every process holds. The calls granted and
 * not yet settled, every process's, are counted beside it: an answer lowers the key to what the
 * server counted, which may miss them, so the last units go only as the calls in flight land
 * (never stranded: the count falls as they do). Redis is never waited on: a lost server fails
 * the claim at once, naming it. ioredis is an optional peer dependency, loaded when a shared
 * budget is first claimed.
 */
export interface RedisBudgetOptions {
  url: string;
  /** Key namespace; processes with the same one share budgets. Default `paceline`. */
  keyPrefix?: string;
  /** The longest a key lives (default: until the server's reported reset). */
  keyTtlMs?: number;
  /** How long to wait for Redis on connect and per command. Default 2000 ms. */
  timeoutMs?: number;
}

/** How long one process's probe of a new window may stay unanswered before another may probe. */
export const PROBE_HOLD_MS = 2000;
/** How often a claim waiting for another process's probe asks again. */
export const PROBE_POLL_MS = 25;
/**
 * When a claim on a spent key asks again: a quarter of the key's life, no sooner than a poll.
 * Another process's answer may shorten that life after the claim read it (its plan for the next
 * window is sooner than the reset it first reported); a claim sleeping the whole life would miss
 * the window that opens then, for every process. Asking again at a quarter of what is left finds
 * a shortened life within a quarter, in about 25 asks from 60 s to a poll.
 */
export function askAgainInMs(leftMs: number): number {
  return Math.min(leftMs, Math.max(PROBE_POLL_MS, leftMs / 4));
}

/**
 * How long the count of calls in flight lives after its last grant: it is set afresh with each
 * window's probe, so a process that died with calls out holds back at most that window's tail.
 */
export const FLIGHT_TTL_MS = PROBE_HOLD_MS;

/** A key freed by an answer that reported no budget: claims go, decrementing this. */
export const FREE = 1_000_000_000;

/** Merge links followed from a bucket to its root, at most (a guard; chains are short). */
export const MERGE_HOPS = 32;
/** How long the learnt merges live after the last one (they describe the server, not a window). */
const MERGES_TTL_MS = 24 * 3600_000;
/**
 * How long a window's start and the windows' length live after they were last told: the start is
 * replaced or forgotten by the next window's first answer anyway, and the length describes the server.
 */
const KNOWN_TTL_MS = MERGES_TTL_MS;

/** A bucket's root in the merge sets (KEYS[1], a hash from bucket to the bucket it merged into). */
const ROOT = `
local function root(name)
  for i = 1, ${MERGE_HOPS} do
    local into = redis.call('HGET', KEYS[1], name)
    if not into then return name end
    name = into
  end
  return name
end`;

/**
 * Grants a unit when the budget is positive, or the first claim of an unknown window (marking the
 * key); otherwise says when to ask again: the probe's answer soon, the landing of calls in flight
 * as many as the units left (a poll), or the end of a spent window. A grant counts a call in flight.
 * A following claim is of its bucket's root: the budget another process learnt it spends. (The root's key is found in the script, so a Redis
 * Cluster would need every key in one slot.) A grant carries what the processes know of the
 * window: where it opened, and the windows' length.
 * ARGV: probe hold (ms), poll interval (ms), budget key prefix, bucket, '1' to follow merges,
 * opened key prefix, length key prefix, in-flight key prefix, in-flight count's life (ms).
 * Returns granted (1/0), the count left or the wait (ms), the bucket claimed from, the window's
 * start and the length ('lo,hi', or '' where unknown).
 */
const CLAIM = `${ROOT}
local name = ARGV[4]
if ARGV[5] == '1' then name = root(name) end
local key = ARGV[3] .. name
local flight = ARGV[8] .. name
local v = redis.call('GET', key)
if not v then
  redis.call('SET', key, '-1', 'PX', ARGV[1])
  redis.call('SET', flight, '1', 'PX', ARGV[9])
  return {1, -1, name, '', ''}
end
local n = tonumber(v)
if n > 0 and n <= tonumber(redis.call('GET', flight) or '0') then return {0, tonumber(ARGV[2]), name} end
if n > 0 then
  redis.call('DECR', key)
  redis.call('INCR', flight)
  redis.call('PEXPIRE', flight, ARGV[9])
  return {1, n - 1, name, redis.call('GET', ARGV[6] .. name) or '', redis.call('GET', ARGV[7] .. name) or ''}
end
if n < 0 then return {0, math.min(redis.call('PTTL', key), tonumber(ARGV[2])), name} end
return {0, redis.call('PTTL', key), name}`;

/**
 * Two buckets are one budget: their sets join under the root that sorts first (the name the
 * processes' own learning keeps, see shared-buckets.ts). ARGV: the two buckets, the sets' life (ms).
 */
const MERGE = `${ROOT}
local a = root(ARGV[1])
local b = root(ARGV[2])
if a ~= b then
  if a < b then redis.call('HSET', KEYS[1], b, a) else redis.call('HSET', KEYS[1], a, b) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * A call settled (answered, refused, or lost): one fewer in flight, on its bucket's root (where
 * its claim counted it). Then, for an answer or a refusal: an answer lowers the budget (never
 * raises it within the key's window) and its life (the soonest any process plans to probe), and
 * replaces a probe's mark; a refusal holds it at 0; an answer without a budget frees a marked or
 * missing key. An answer whose call opened the window says when; a key set afresh without that
 * forgets the old window's start. A length narrows the one the processes know (one that
 * contradicts it replaces it: the newest evidence wins). One script, so a call's answer costs
 * one round trip to Redis.
 * KEYS: the merge sets, the budget, the window's start, the length. ARGV: value, ttl (ms),
 * 'answer' | 'hold' | 'free' | 'settled' (nothing to report), the start ('lo,hi' or ''), the
 * length ('lo,hi' or ''), the start's and length's life (ms), in-flight key prefix, bucket.
 */
const REPORT = `${ROOT}
local flight = ARGV[7] .. root(ARGV[8])
if tonumber(redis.call('GET', flight) or '0') > 0 then redis.call('DECR', flight) end
if ARGV[3] == 'settled' then return 1 end
local v = redis.call('GET', KEYS[2])
local unknown = (not v) or tonumber(v) < 0
if ARGV[3] == 'hold' or (unknown and ARGV[3] == 'answer') then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
elseif ARGV[3] == 'free' then
  if unknown then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) end
else
  if tonumber(ARGV[1]) < tonumber(v) then redis.call('SET', KEYS[2], ARGV[1], 'KEEPTTL') end
  local left = redis.call('PTTL', KEYS[2])
  if left < 0 or tonumber(ARGV[2]) < left then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
end
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[6])
elseif unknown then redis.call('DEL', KEYS[3]) end
if ARGV[5] ~= '' then
  local lo, hi = string.match(ARGV[5], '^([^,]+),([^,]+)$')
  lo, hi = tonumber(lo), tonumber(hi)
  local klo, khi = string.match(redis.call('GET', KEYS[4]) or '', '^([^,]+),([^,]+)$')
  klo, khi = tonumber(klo), tonumber(khi)
  if klo and khi and math.max(lo, klo) <= math.min(hi, khi) then
    lo, hi = math.max(lo, klo), math.min(hi, khi)
  end
  redis.call('SET', KEYS[4], lo .. ',' .. hi, 'PX', ARGV[6])
end
return 1`;

/**
 * A unit claimed and never sent goes back; a probe never sent unmarks the key for another.
 * KEYS: the budget, the in-flight count.
 */
const GIVE_BACK = `
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
local v = redis.call('GET', KEYS[1])
if not v then return 1 end
if tonumber(v) < 0 then redis.call('DEL', KEYS[1]) else redis.call('INCR', KEYS[1]) end
return 1`;

/** An interval as the scripts keep it: `lo,hi` ('' for none). */
const formatInterval = (interval: Interval | undefined): string =>
  interval ? `${interval.lo},${interval.hi}` : "";

/** An interval a script returned; anything else (none, or a value not written by paceline) is none. */
function parseInterval(text: string | undefined): Interval | undefined {
  const [lo, hi] = (text ?? "").split(",").map(Number);
  return lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi
    ? { lo, hi }
    : undefined;
}

/** `redis://host:port`: never the password a URL may carry. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "(an unparsable Redis URL)";
  }
}

/**
 * What a policy step tells the shared key: after an answer, the least budget reported this
 * window; after a 429, 0 (every process holds). The key lives until a process's policy would
 * probe the next window (from the window it has learnt; not its check of a whole-second length,
 * which is its own probe before the edge), else until the window's latest plausible end: a key
 * gone mid-window would let the next probe's answer set a count that misses every other
 * process's calls in flight. Once it expires, one probe finds the new window for all.
 */
export function sharedUpdate(
  { step, state, at, opened }: PolicyEvent,
  keyTtlMs = Number.POSITIVE_INFINITY,
):
  | { value: number; ttlMs: number; kind: "answer" | "hold" | "free"; opened?: Interval; length?: Interval }
  | undefined {
  const ttl = (until: number | undefined) =>
    Math.round(Math.max(50, Math.min(keyTtlMs, (until ?? at + 1000) - at)));
  // The windows' length as learnt here, where it is bounded both ways (on a grid, each process's
  // own). Not one taken as a whole number of seconds: that is this process's guess, checked by
  // its own probe.
  const { windowMs } = state;
  const length =
    !state.grid && windowMs && !takenWhole(windowMs) && Number.isFinite(windowMs.hi) ? windowMs : undefined;
  // The local policy's plan (its next probe, from the learnt window) beats a whole-second reset.
  if (step === "refused")
    return { value: 0, ttlMs: ttl(state.refillAt ?? state.refusedUntil), kind: "hold", length };
  if (step !== "answered") return undefined;
  // The window's latest end, never past the reset the server last reported (as the policy's refills).
  const end = Math.min(
    state.end?.hi ?? Number.POSITIVE_INFINITY,
    state.reportedEnd ?? Number.POSITIVE_INFINITY,
  );
  // A check of a whole-second length is this process's own probe, before the edge: the key
  // ending then would let any process's call go first, and be refused.
  const plan = plannedCheck(state) === undefined ? state.refillAt : undefined;
  if (state.mode === "paced" && state.remaining !== undefined)
    return {
      value: state.remaining,
      ttlMs: ttl(plan ?? (Number.isFinite(end) ? end : undefined)),
      kind: "answer",
      // This call opened the window: every process that spends it learns when.
      opened,
      length,
    };
  // No budget in this window's answers: nothing to count, so a probe's mark must not hold the others.
  return { value: FREE, ttlMs: ttl(undefined), kind: "free" };
}

export class RedisBudget implements SharedBudget {
  private client?: Redis;
  private loading?: Promise<Redis>;
  private readonly address: string;
  private readonly timeoutMs: number;
  private connecting?: Promise<void>;

  constructor(private readonly options: RedisBudgetOptions) {
    this.address = redisAddress(options.url);
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  /**
   * Where the keys of one kind live: `paceline:budget:`, `paceline:opened:`, `paceline:length:`,
   * `paceline:flight:`.
   */
  private prefix(kind: "budget" | "opened" | "length" | "flight"): string {
    return `${this.options.keyPrefix ?? "paceline"}:${kind}:`;
  }

  private get mergesKey(): string {
    return `${this.options.keyPrefix ?? "paceline"}:merges`;
  }

  /** The connection, made on first use: without ioredis installed, the claim says so. */
  private load(): Promise<Redis> {
    this.loading ??= import("ioredis").then(
      ({ Redis }) => {
        const client = new Redis(this.options.url, {
          lazyConnect: true,
          // Nothing queued while Redis is away: a claim fails at once instead of hanging.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: this.timeoutMs,
          commandTimeout: this.timeoutMs,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        });
        // Connection trouble surfaces as failed claims; an unhandled error event would crash the host.
        client.on("error", () => {});
        this.client = client;
        return client;
      },
      (error: unknown) => {
        throw new SharedLimiterError(
          this.address,
          "the shared limiter needs the ioredis package (npm install ioredis)",
          { cause: error },
        );
      },
    );
    return this.loading;
  }

  private async ready(): Promise<Redis> {
    const client = await this.load();
    if (client.status === "ready") return client;
    this.connecting ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no answer in ${this.timeoutMs} ms`)), this.timeoutMs);
      const done = (error?: Error) => {
        clearTimeout(timer);
        client.off("ready", onReady);
        client.off("error", onError);
        this.connecting = undefined;
        if (error) reject(new SharedLimiterError(this.address, error.message, { cause: error }));
        else resolve();
      };
      const onReady = () => done();
      const onError = (error: Error) => done(error);
      client.once("ready", onReady);
      client.once("error", onError);
      if (client.status === "wait") client.connect().catch(() => {});
    });
    await this.connecting;
    return client;
  }

  async claim(bucket: string, follow = false): Promise<Claim> {
    const client = await this.ready();
    let reply: [number, number, string, string?, string?];
    try {
      reply = (await client.eval(
        CLAIM,
        1,
        this.mergesKey,
        PROBE_HOLD_MS,
        PROBE_POLL_MS,
        this.prefix("budget"),
        bucket,
        follow ? "1" : "0",
        this.prefix("opened"),
        this.prefix("length"),
        this.prefix("flight"),
        FLIGHT_TTL_MS,
      )) as typeof reply;
    } catch (error) {
      throw new SharedLimiterError(this.address, (error as Error).message, { cause: error });
    }
    const [granted, count, claimed, opened, length] = reply;
    return granted === 1
      ? { granted: true, bucket: claimed, opened: parseInterval(opened), length: parseInterval(length) }
      : { granted: false, retryInMs: count > 0 ? askAgainInMs(count) : 100, bucket: claimed };
  }

  merged(from: string, into: string): void {
    // Best effort, like a report: a lost merge is learnt again, or by another process.
    this.client?.eval(MERGE, 1, this.mergesKey, from, into, MERGES_TTL_MS).catch(() => {});
  }

  giveBack(bucket: string): void {
    this.client
      ?.eval(GIVE_BACK, 2, `${this.prefix("budget")}${bucket}`, `${this.prefix("flight")}${bucket}`)
      .catch(() => {});
  }

  tell(event: PolicyEvent): void {
    const client = this.client;
    // A refill settles no call and reports nothing.
    if (event.step === "refill" || client?.status !== "ready") return;
    const update = sharedUpdate(event, this.options.keyTtlMs);
    // Best effort: a lost report is corrected by the next answer, and 429s still pace.
    const keys = (["budget", "opened", "length"] as const).map(
      (kind) => `${this.prefix(kind)}${event.bucket}`,
    );
    client
      .eval(
        REPORT,
        1 + keys.length,
        this.mergesKey,
        ...keys,
        update?.value ?? 0,
        update?.ttlMs ?? 0,
        update?.kind ?? "settled",
        formatInterval(update?.opened),
        formatInterval(update?.length),
        KNOWN_TTL_MS,
        this.prefix("flight"),
        event.bucket,
      )
      .catch(() => {});
  }

  async close(): Promise<void> {
    // A connection still being made is closed once it exists.
    const client = await this.loading?.catch(() => undefined);
    client?.disconnect();
  }
}
