import { resultJson, type ToolResultLike } from "../backoff/result-signal.js";

/**
 * One page of a list tool's result: the items and the cursor to pass back for the next page.
 * Reads the gateway shape `{ result: [...], next_cursor }` from structured content or JSON text,
 * the common variants (`items`, `data`, `nextCursor`), and Link-style next URLs.
 */
export interface Page {
  items: unknown[];
  /** Passed back unchanged for the next page; null when the server says there is none. */
  nextCursor: string | null;
}

const ITEM_KEYS = ["result", "items", "data", "results"] as const;
const CURSOR_KEYS = ["next_cursor", "nextCursor", "cursor", "next_page_token", "nextPageToken"] as const;

export function readPage(result: ToolResultLike): Page {
  const json = resultJson(result);
  if (!json) return { items: [], nextCursor: null };
  const itemsKey = ITEM_KEYS.find((key) => Array.isArray(json[key]));
  const items = itemsKey ? (json[itemsKey] as unknown[]) : [];
  return { items, nextCursor: cursorOf(json) };
}

function cursorOf(json: Record<string, unknown>): string | null {
  for (const key of CURSOR_KEYS) {
    const value = json[key];
    if (typeof value === "string" && value !== "") return value;
  }
  // Link-style: `next` as a URL, `links.next` (JSON:API/HAL), or an RFC 8288 header value.
  const links = json.links as Record<string, unknown> | undefined;
  const next = json.next ?? links?.next ?? (links?.next as { href?: unknown } | undefined)?.href ?? json.link;
  if (typeof next === "string") return nextFromLink(next);
  if (typeof (next as { href?: unknown })?.href === "string") return (next as { href: string }).href;
  return null;
}

/** A URL, or the `rel="next"` URL of an RFC 8288 Link value. */
export function nextFromLink(value: string): string | null {
  if (!value.includes("<")) return /^https?:\/\//.test(value) ? value : null;
  for (const part of value.split(/,(?=\s*<)/)) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match?.[1]) return match[1];
  }
  return null;
}
