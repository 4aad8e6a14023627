import type { FastifyInstance } from "fastify";
import { OktaError, validationFailed } from "../errors.js";
import { compileFilter, LOG_FILTER } from "../filter.js";
import { queryOf, sendPage } from "../http.js";
import type { LogEventRecord } from "../model.js";
import { parseLimit } from "../pagination.js";
import { logEventJson } from "../serialize.js";
import type { ServerState } from "../state.js";

const LOGS_LIMIT = { default: 100, max: 1000 };
const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Reads a filter attribute of an event by its JSON path. */
function logField(event: LogEventRecord, field: string): unknown {
  const geo: Record<string, unknown> = {
    city: event.client.city,
    state: event.client.state,
    country: event.client.country,
  };
  switch (field) {
    case "eventType":
    case "displayMessage":
    case "severity":
    case "uuid":
    case "legacyEventType":
      return event[field];
    case "outcome.result":
      return event.outcome.result;
    case "outcome.reason":
      return event.outcome.reason;
    case "client.ipAddress":
      return event.client.ipAddress;
    case "client.userAgent.rawUserAgent":
      return event.client.userAgent;
  }
  if (field.startsWith("actor.")) return event.actor[field.slice(6) as keyof typeof event.actor];
  if (field.startsWith("client.geographicalContext.")) return geo[field.slice(27)];
  if (field.startsWith("target.")) return event.target.map((t) => t[field.slice(7) as keyof typeof t]);
  return undefined;
}

/** Okta-style log cursors: `<published ms>_<sequence>`, the position of the last event served. */
function logCursor(event: { published: number; seq: number }): string {
  return `${event.published}_${event.seq}`;
}

function parseLogCursor(after: string | undefined): { published: number; seq: number } | undefined {
  if (after === undefined) return undefined;
  const match = /^(\d{1,15})_(\d{1,15})$/.exec(after);
  if (!match)
    throw new OktaError("E0000029", undefined, [`after: '${after}' is not a cursor this server issued`]);
  return { published: Number(match[1]), seq: Number(match[2]) };
}

function parseInstant(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw validationFailed(`'${name}': The date format in your query is not recognized.`);
  return ms;
}

/** `q`: up to 10 keywords of at most 40 characters; an event matches when it contains them all. */
function keywordMatcher(q: string | undefined): ((event: LogEventRecord) => boolean) | undefined {
  if (q === undefined || q.trim() === "") return undefined;
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length > 10) throw validationFailed("'q': At most 10 keywords are allowed.");
  const long = words.find((w) => w.length > 40);
  if (long) throw validationFailed(`'q': The keyword '${long}' is longer than 40 characters.`);
  return (event) => {
    const text = [
      event.eventType,
      event.displayMessage,
      event.actor.alternateId,
      event.actor.displayName,
      event.client.ipAddress,
      event.client.country,
      event.client.city,
      event.outcome.result,
      event.outcome.reason ?? "",
      ...event.target.flatMap((t) => [t.alternateId, t.displayName]),
    ]
      .join(" ")
      .toLowerCase();
    return words.every((w) => text.includes(w));
  };
}

/**
 * The System Log. A polling query (no `until`, ascending) pages in persistence order and always
 * offers a `next` link, even on an empty page; a bounded query ends with no `next`.
 */
export function logRoutes(app: FastifyInstance, state: ServerState): void {
  app.get("/api/v1/logs", async (request, reply) => {
    const query = queryOf(request);
    const { org, clock } = state;
    if (query.since !== undefined && query.after !== undefined) {
      throw validationFailed("'since' and 'after' cannot be used together.");
    }
    const sortOrder = (query.sortOrder ?? "ASCENDING").toUpperCase();
    if (sortOrder !== "ASCENDING" && sortOrder !== "DESCENDING") {
      throw validationFailed(`'sortOrder': '${query.sortOrder}' is not ASCENDING or DESCENDING.`);
    }
    const limit = parseLimit(query.limit, LOGS_LIMIT);
    const until = parseInstant("until", query.until);
    const end = until ?? clock.now();
    const since = parseInstant("since", query.since) ?? end - WEEK;
    const bound = state.logSinceLimitDays;
    if (bound !== null && clock.now() - since > bound * DAY)
      throw new OktaError("E0000053", undefined, [`'since' must be within the last ${bound} days`]);
    const filter = query.filter !== undefined ? compileFilter(query.filter, LOG_FILTER, logField) : undefined;
    const keywords = keywordMatcher(query.q);
    const matchesQuery = (e: LogEventRecord) => (!filter || filter(e)) && (!keywords || keywords(e));
    const applied = { ...query, limit: String(limit) };
    const cursor = parseLogCursor(query.after);

    if (until === undefined && sortOrder === "ASCENDING") {
      // Polling: persistence order, resumed after the last event seen; the next link is always there.
      const items: LogEventRecord[] = [];
      for (const event of org.logs) {
        if (items.length === limit) break;
        if (cursor ? event.seq <= cursor.seq : event.published < since) continue;
        if (event.published <= end && matchesQuery(event)) items.push(event);
      }
      const last = items.at(-1);
      const next = last
        ? logCursor(last)
        : (query.after ?? logCursor(org.logs.at(-1) ?? { published: since, seq: 0 }));
      return sendPage(request, reply, { items, next }, applied, logEventJson, ["since"]);
    }
    // Bounded: ordered by `published`; the cursor carries the position, so `since` leaves the next link.
    const direction = sortOrder === "ASCENDING" ? 1 : -1;
    const order = (a: { published: number; seq: number }, b: { published: number; seq: number }) =>
      direction * (a.published - b.published || a.seq - b.seq);
    const inWindow = (e: LogEventRecord) =>
      e.published <= end && (cursor ? order(e, cursor) > 0 : e.published >= since);
    const matches = org.logs.filter((e) => inWindow(e) && matchesQuery(e)).sort(order);
    const next = matches.length > limit ? matches[limit - 1] : undefined;
    const page = { items: matches.slice(0, limit), next: next ? logCursor(next) : null };
    return sendPage(request, reply, page, applied, logEventJson, ["since"]);
  });
}
