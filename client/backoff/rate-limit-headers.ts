import { parseDictionary, parseList } from "structured-headers";

/**
 * Turns response headers into one rate-limit signal, whichever convention the server uses:
 *
 * - `Retry-After` (RFC 9110: delay-seconds or an HTTP-date) — authoritative when present; the IETF
 *   draft says it MUST take precedence over the RateLimit fields.
 * - `ratelimit-limit` / `-remaining` / `-reset` (Truto, IETF drafts -00…-06; the limit may carry `;w=`).
 * - The structured `RateLimit` + `RateLimit-Policy` fields (drafts -08…-10: `"default";r=50;t=30`,
 *   and draft -07's dictionary `limit=100, remaining=50, reset=5`).
 * - `X-RateLimit-*` (GitHub and many APIs) and Okta's `X-Rate-Limit-*`.
 *
 * Families are tried in that order, field by field. Malformed values are ignored, never thrown.
 * Pure functions: the clock is a parameter.
 */
export interface RateLimitSignal {
  limit?: number;
  remaining?: number;
  /** Milliseconds until the window resets (or quota returns). */
  resetMs?: number;
  /** Milliseconds from `Retry-After`. */
  retryAfterMs?: number;
}

export type HeaderSource = Headers | Record<string, string | string[] | number | null | undefined>;

/** A reset above this many seconds cannot be a delta (that would be a 31-year window): it is an epoch. */
const EPOCH_SECONDS = 1_000_000_000;
/** …and above this, an epoch in milliseconds. */
const EPOCH_MILLISECONDS = 1_000_000_000_000;

export function headerGetter(source: HeaderSource): (name: string) => string | undefined {
  if (source instanceof Headers) return (name) => source.get(name) ?? undefined;
  const lower = new Map(Object.entries(source).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => {
    const value = lower.get(name);
    if (value === undefined || value === null) return undefined;
    return Array.isArray(value) ? value.join(", ") : String(value);
  };
}

/** A non-negative number, or undefined for anything else ("12abc", "-3", ""). */
function count(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const first = raw.split(",")[0]?.split(";")[0]?.trim() ?? "";
  if (!/^\d+(\.\d+)?$/.test(first)) return undefined;
  return Number(first);
}

/** A reset value in ms from now: delta seconds, or an epoch in seconds or milliseconds. */
export function resetToMs(value: number | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (value > EPOCH_MILLISECONDS) return Math.max(0, value - now);
  if (value > EPOCH_SECONDS) return Math.max(0, value * 1000 - now);
  return value * 1000;
}

/** `Retry-After`: delay-seconds or an HTTP-date; a date in the past means "now". */
export function parseRetryAfter(raw: string | undefined, now: number): number | undefined {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Draft -08+: `RateLimit: "name";r=..;t=..` with `RateLimit-Policy: "name";q=..;w=..`. Draft -07: a dictionary. */
function parseStructured(get: (name: string) => string | undefined, now: number): RateLimitSignal {
  const field = get("ratelimit");
  if (field === undefined) return {};
  try {
    if (/(^|,)\s*limit\s*=/.test(field)) {
      const dict = parseDictionary(field);
      const num = (key: string) => {
        const value = dict.get(key)?.[0];
        return typeof value === "number" && value >= 0 ? value : undefined;
      };
      return { limit: num("limit"), remaining: num("remaining"), resetMs: resetToMs(num("reset"), now) };
    }
    // Of several quota policies, the one with the least remaining binds.
    const items = parseList(field)
      .map(([name, params]) => ({ name: String(name), r: params.get("r"), t: params.get("t") }))
      .filter(
        (item): item is { name: string; r: number; t: unknown } => typeof item.r === "number" && item.r >= 0,
      );
    const binding = items.sort((a, b) => a.r - b.r)[0];
    if (!binding) return {};
    const policy = policyQuota(get("ratelimit-policy"), binding.name);
    return {
      remaining: binding.r,
      resetMs: typeof binding.t === "number" && binding.t >= 0 ? binding.t * 1000 : undefined,
      limit: policy,
    };
  } catch {
    return {};
  }
}

function policyQuota(field: string | undefined, name: string): number | undefined {
  if (field === undefined) return undefined;
  try {
    for (const [itemName, params] of parseList(field)) {
      const q = params.get("q");
      if (String(itemName) === name && typeof q === "number") return q;
    }
  } catch {
    // A malformed policy is ignored.
  }
  return undefined;
}

function parseFamily(
  get: (name: string) => string | undefined,
  prefix: string,
  now: number,
): RateLimitSignal {
  return {
    limit: count(get(`${prefix}-limit`)),
    remaining: count(get(`${prefix}-remaining`)),
    resetMs: resetToMs(count(get(`${prefix}-reset`)), now),
  };
}

/** The rate-limit signal in `headers`, or undefined when there is none. */
export function parseRateLimitHeaders(
  headers: HeaderSource,
  now: number = Date.now(),
): RateLimitSignal | undefined {
  const get = headerGetter(headers);
  const families = [
    parseFamily(get, "ratelimit", now),
    parseStructured(get, now),
    parseFamily(get, "x-ratelimit", now),
    parseFamily(get, "x-rate-limit", now),
  ];
  const pick = <K extends keyof RateLimitSignal>(key: K) => families.find((f) => f[key] !== undefined)?.[key];
  const signal: RateLimitSignal = {
    limit: pick("limit"),
    remaining: pick("remaining"),
    resetMs: pick("resetMs"),
    retryAfterMs: parseRetryAfter(get("retry-after"), now),
  };
  for (const key of Object.keys(signal) as (keyof RateLimitSignal)[])
    if (signal[key] === undefined) delete signal[key];
  return Object.keys(signal).length > 0 ? signal : undefined;
}

/** How long to wait before the next call may succeed: Retry-After wins, then the reset. */
export function waitFromSignal(signal: RateLimitSignal | undefined): number | undefined {
  if (!signal) return undefined;
  return signal.retryAfterMs ?? signal.resetMs;
}
