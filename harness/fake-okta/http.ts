import type { FastifyReply, FastifyRequest } from "fastify";
import { OktaError } from "./errors.js";
import { linkHeader, type Page } from "./pagination.js";

/** Small helpers the routes share. */

const OPEN = 0x5b; // [
const COMMA = 0x2c; // ,
const CLOSE = 0x5d; // ]

/** The request's own origin, for absolute `Link` and `_links` URLs. */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

export type Query = Record<string, string | undefined>;

export function queryOf(request: FastifyRequest): Query {
  return request.query as Query;
}

/**
 * Sends one page of a list with its `Link` header (`self` always, `next` while more remain).
 * `serialize` returns an object or its JSON bytes.
 */
export function sendPage<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  page: Page<T>,
  appliedQuery: Query,
  serialize: (item: T, origin: string) => unknown,
  notInNext: readonly string[] = [],
): unknown {
  const origin = originOf(request);
  const path = request.url.split("?")[0]?.replace(/\/{2,}/g, "/") ?? "/";
  reply.header("link", linkHeader(origin, path, appliedQuery, page.next, notInNext));
  const items = page.items.map((item) => {
    const value = serialize(item, origin);
    return Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
  });
  // Items may arrive as ready JSON bytes (cached users); the page is copied together, not
  // re-serialised, into one buffer sized up front (Buffer.concat's copying showed as a quarter of a
  // 200-user page's time).
  return reply.type("application/json; charset=utf-8").send(jsonArray(items));
}

function jsonArray(items: Buffer[]): Buffer {
  let length = 2 + Math.max(0, items.length - 1);
  for (const item of items) length += item.length;
  const out = Buffer.allocUnsafe(length);
  let offset = 0;
  out[offset++] = OPEN;
  items.forEach((item, index) => {
    if (index > 0) out[offset++] = COMMA;
    offset += item.copy(out, offset);
  });
  out[offset] = CLOSE;
  return out;
}

/** A JSON object body, or Okta's validation error naming what is wrong. */
export function objectBody(
  request: FastifyRequest,
  allowed: readonly string[],
  operation: string,
): Record<string, unknown> {
  const body = request.body ?? {};
  if (typeof body !== "object" || Array.isArray(body) || body === null) {
    throw new OktaError("E0000003");
  }
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new OktaError(
      "E0000001",
      operation,
      unknown.map((key) => `${key}: unknown property`),
    );
  }
  return body as Record<string, unknown>;
}

export function booleanParam(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value.toLowerCase() === "true";
}
