import type { FastifyReply, FastifyRequest } from "fastify";
import { OktaError } from "./errors.js";
import { linkHeader, type Page } from "./pagination.js";

/** Small helpers the routes share. */

const OPEN = Buffer.from("[");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]");

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
  const parts: Buffer[] = [OPEN];
  page.items.forEach((item, index) => {
    const value = serialize(item, origin);
    if (index > 0) parts.push(COMMA);
    parts.push(Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value)));
  });
  parts.push(CLOSE);
  // Items may arrive as ready JSON bytes (cached users); the page is concatenated, not re-serialised.
  return reply.type("application/json; charset=utf-8").send(Buffer.concat(parts));
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
