import type { OutgoingHttpHeaders } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import { OktaError, validationFailed } from "./errors.js";
import { linkHeader, type Page } from "./pagination.js";

/** Small helpers the routes share. */

const OPEN_BYTES = Buffer.from("[");
const COMMA_BYTES = Buffer.from(",");
const CLOSE_BYTES = Buffer.from("]");

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
  serialize: ItemSerializer<T>,
  notInNext: readonly string[] = [],
): unknown {
  const origin = originOf(request);
  const path = request.url.split("?")[0]?.replace(/\/{2,}/g, "/") ?? "/";
  reply.header("link", linkHeader(origin, path, appliedQuery, page.next, notInNext));
  const parts = pageParts(page.items, origin, serialize);
  reply.type("application/json; charset=utf-8");
  // A malformed-body fault cuts the page in its onSend hook, which needs the page whole.
  if (request.trace?.malformed) return reply.send(Buffer.concat(parts));
  return writePage(reply, parts);
}

/**
 * Turns an item into its JSON: an object to serialise, or ready bytes; `afterComma`, when given,
 * answers `","` and the bytes in one buffer (cached users), so a page has one part per item.
 */
export interface ItemSerializer<T> {
  (item: T, origin: string): unknown;
  afterComma?: (item: T, origin: string) => Buffer;
}

/** A page's JSON array as its parts, in order: `[`, the items with their commas, `]`. */
function pageParts<T>(items: readonly T[], origin: string, serialize: ItemSerializer<T>): Buffer[] {
  const bytes = (item: T) => {
    const value = serialize(item, origin);
    return Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
  };
  const parts: Buffer[] = [OPEN_BYTES];
  items.forEach((item, index) => {
    if (index === 0) parts.push(bytes(item));
    else if (serialize.afterComma) parts.push(serialize.afterComma(item, origin));
    else parts.push(COMMA_BYTES, bytes(item));
  });
  parts.push(CLOSE_BYTES);
  return parts;
}

/**
 * Items arrive as ready JSON bytes (cached users); the page goes out as they are, in one corked
 * write, not copied into one buffer first: the copy was a quarter of a 200-user page's time, and
 * the kernel copies from each part anyway. Fastify still runs onResponse (the journal) after a
 * raw reply.
 */
function writePage(reply: FastifyReply, parts: Buffer[]): FastifyReply {
  let length = 0;
  for (const part of parts) length += part.length;
  reply.hijack();
  const raw = reply.raw;
  const headers = reply.getHeaders() as OutgoingHttpHeaders;
  raw.writeHead(reply.statusCode, { ...headers, "content-length": length });
  raw.cork();
  for (const part of parts) raw.write(part);
  raw.uncork();
  raw.end();
  return reply;
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

/** A string field of 1 to `max` characters, or Okta's validation error naming the field. */
export function textField(value: unknown, field: string, max = 1024): string {
  if (typeof value !== "string" || value.length === 0 || value.length > max)
    throw validationFailed(field, [`${field}: a string of 1 to ${max} characters is required`]);
  return value;
}

export function booleanParam(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value.toLowerCase() === "true";
}
