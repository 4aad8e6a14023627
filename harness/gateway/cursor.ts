import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * `next_cursor`: the upstream `rel="next"` link's path and query, signed so a cursor the gateway
 * did not issue (or one an agent edited) is refused instead of being forwarded to Okta. The
 * signature also covers what the cursor is bound to (the MCP server, the tool and its other
 * arguments), so a users cursor handed to another tool, or to another server, is refused too.
 *
 * Whether a Truto-style gateway's cursors expire is unknown (the reference is silent), so that is
 * a setting: with `ttlMs` (none by default) a cursor carries when it was issued, and an expired
 * one is refused with its own message, so a client can tell it from a forged one.
 */
export type DecodedCursor = { pathAndQuery: string } | { expired: true } | undefined;

export class CursorCodec {
  private readonly key: Buffer;

  constructor(
    key: Buffer = randomBytes(32),
    private readonly now: () => number = Date.now,
    readonly ttlMs?: number,
  ) {
    this.key = key;
  }

  encode(pathAndQuery: string, binding: string): string {
    // Only a cursor that can expire carries its time: others stay the same bytes run after run
    // (recordings are matched by their requests).
    const path = Buffer.from(pathAndQuery).toString("base64url");
    const payload = this.ttlMs === undefined ? path : `${path}~${this.now().toString(36)}`;
    return `${payload}.${this.sign(payload, binding)}`;
  }

  /** The path and query to request; `expired`; or `undefined` when it was not issued here for `binding`. */
  decode(cursor: string, binding: string): DecodedCursor {
    const [payload, signature, extra] = cursor.split(".");
    if (!payload || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(payload, binding));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const [path = "", issued] = payload.split("~");
    if (this.ttlMs !== undefined) {
      if (issued === undefined) return undefined;
      if (this.now() - Number.parseInt(issued, 36) > this.ttlMs) return { expired: true };
    }
    return { pathAndQuery: Buffer.from(path, "base64url").toString() };
  }

  private sign(payload: string, binding: string): string {
    return createHmac("sha256", this.key)
      .update(binding)
      .update("\u0000")
      .update(payload)
      .digest("base64url")
      .slice(0, 22);
  }
}

/** The `rel="next"` target of an RFC 8288 `Link` header (one or several lines), as path and query. */
export function nextLinkPath(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match?.[1]) {
      const url = new URL(match[1]);
      return `${url.pathname}${url.search}`;
    }
  }
  return null;
}

/** What a cursor is bound to: the server, the tool, and its arguments other than the cursor. */
export function cursorBinding(serverId: string, tool: string, args: Record<string, unknown>): string {
  const rest = Object.keys(args)
    .filter((key) => key !== "next_cursor")
    .sort()
    .map((key) => [key, args[key]]);
  return JSON.stringify([serverId, tool, rest]);
}
