import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * `next_cursor`: the upstream `rel="next"` link's path and query, signed so a cursor the gateway
 * did not issue (or one an agent edited) is refused instead of being forwarded to Okta. The
 * signature also covers what the cursor is bound to (the MCP server, the tool and its other
 * arguments), so a users cursor handed to another tool, or to another server, is refused too.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  encode(pathAndQuery: string, binding: string): string {
    const payload = Buffer.from(pathAndQuery).toString("base64url");
    return `${payload}.${this.sign(payload, binding)}`;
  }

  /** The path and query to request, or `undefined` when the cursor was not issued here for `binding`. */
  decode(cursor: string, binding: string): string | undefined {
    const [payload, signature, extra] = cursor.split(".");
    if (!payload || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(payload, binding));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    return Buffer.from(payload, "base64url").toString();
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
