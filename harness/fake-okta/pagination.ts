import { OktaError } from "./errors.js";

/**
 * Opaque `after` cursors and RFC 8288 `Link` headers, as Okta pages its lists: `self` always,
 * `next` only while more remain, absolute URLs built from the request's own origin.
 */

/** A cursor names the position after which the next page starts. */
export function encodeCursor(position: number): string {
  return Buffer.from(`p:${position}`).toString("base64url");
}

export function decodeCursor(after: string | undefined): number {
  if (after === undefined || after === "") return 0;
  const decoded = Buffer.from(after, "base64url").toString();
  const match = /^p:(\d{1,15})$/.exec(decoded);
  if (!match?.[1])
    throw new OktaError("E0000029", undefined, [`after: '${after}' is not a cursor this server issued`]);
  return Number(match[1]);
}

export interface Page<T> {
  items: T[];
  /** The cursor for the next page, or null at the end. */
  next: string | null;
}

/**
 * One page of `records` (ordered by `position`) after `after`, keeping those `accept` allows.
 * Scans lazily so a filtered page of a large directory costs one pass at most.
 */
export function pageOf<T>(
  records: readonly T[],
  position: (record: T) => number,
  after: number,
  limit: number,
  accept: (record: T) => boolean = () => true,
): Page<T> {
  const items: T[] = [];
  if (limit <= 0) return { items, next: null };
  let start = firstAfter(records, position, after);
  for (; start < records.length; start++) {
    const record = records[start] as T;
    if (!accept(record)) continue;
    if (items.length === limit) return { items, next: encodeCursor(position(items[items.length - 1] as T)) };
    items.push(record);
  }
  return { items, next: null };
}

/** Binary search: records are ordered by position, so a cursor costs O(log n) to resume. */
function firstAfter<T>(records: readonly T[], position: (record: T) => number, after: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (position(records[mid] as T) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Reads `limit`: Okta's default when absent, capped at the endpoint's maximum. */
export function parseLimit(raw: unknown, defaults: { default: number; max: number }): number {
  if (raw === undefined || raw === "") return defaults.default;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new OktaError("E0000001", "limit", [`limit: '${String(raw)}' is not a non-negative integer`]);
  }
  return Math.min(value, defaults.max);
}

/** Builds the `Link` header lines: two separate lines, as Okta sends them. */
export function linkHeader(
  origin: string,
  path: string,
  query: Record<string, string | undefined>,
  next: string | null,
  /** Parameters the next link must not repeat (the System Log's `since` excludes `after`). */
  notInNext: readonly string[] = [],
): string[] {
  const self = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && key !== "after") self.set(key, value);
  if (query.after) self.set("after", query.after);
  const lines = [`<${origin}${path}?${self}>; rel="self"`];
  if (next !== null) {
    const nextParams = new URLSearchParams({ after: next });
    for (const [key, value] of self)
      if (key !== "after" && !notInNext.includes(key)) nextParams.set(key, value);
    lines.push(`<${origin}${path}?${nextParams}>; rel="next"`);
  }
  return lines;
}
