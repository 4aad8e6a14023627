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

/** Where a result's items and cursor are, for a server whose shape `readPage` does not know. */
export type PageExtractor = (result: ToolResultLike) => Page;

/** A result with no list where one was expected: never read as an empty page. */
export class PageShapeError extends Error {
  override name = "PageShapeError";
  constructor(
    readonly tool: string,
    readonly shape: string,
  ) {
    super(
      `${tool}: the result has no list paceline can find (looked for ${ITEM_KEYS.join(", ")} in structured content or JSON text); it looks like ${shape}. Tell paceline where the items and cursor are with pagination.extract: (result) => ({ items, nextCursor }).`,
    );
  }
}

export function readPage(result: ToolResultLike, tool = "the tool"): Page {
  const json = resultJson(result);
  const itemsKey = json ? ITEM_KEYS.find((key) => Array.isArray(json[key])) : undefined;
  if (!json || !itemsKey) throw new PageShapeError(tool, shapeOf(result, json));
  return { items: json[itemsKey] as unknown[], nextCursor: cursorOf(json) };
}

/** A short description of what a result holds, for the error above (keys and types, no values). */
function shapeOf(result: ToolResultLike, json: Record<string, unknown> | undefined): string {
  if (json)
    return `an object with ${
      Object.entries(json)
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? "array" : v === null ? "null" : typeof v}`)
        .join(", ") || "no keys"
    }`;
  const blocks = Array.isArray(result.content) ? result.content : [];
  const kinds = blocks.map((b) =>
    typeof b === "object" && b !== null ? String((b as { type?: unknown }).type) : typeof b,
  );
  return kinds.length > 0 ? `content blocks [${kinds.join(", ")}] with no JSON object` : "an empty result";
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
