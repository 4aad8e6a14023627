import type { FastifyInstance } from "fastify";
import { OktaError, validationFailed } from "../errors.js";
import { compileFilter, LOG_FILTER } from "../filter.js";
import { queryOf, sendPage } from "../http.js";
import type { LogEventRecord } from "../model.js";
import { decodeCursor, encodeCursor, pageOf, parseLimit } from "../pagination.js";
import { logEventJson } from "../serialize.js";
import type { ServerState } from "../state.js";

const LOGS_LIMIT = { default: 100, max: 1000 };
const WEEK = 7 * 86_400_000;

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
    if (end - since > 180 * 86_400_000)
      throw new OktaError("E0000053", undefined, ["'since' must be within the last 180 days"]);
    const filter = query.filter !== undefined ? compileFilter(query.filter, LOG_FILTER, logField) : undefined;
    const keywords = keywordMatcher(query.q);
    const accept = (e: LogEventRecord) =>
      e.published >= since && e.published <= end && (!filter || filter(e)) && (!keywords || keywords(e));
    const applied = { ...query, limit: String(limit) };
    const after = decodeCursor(query.after);

    if (until === undefined && sortOrder === "ASCENDING") {
      // Polling: resume after the last event seen; the next link is always there.
      const page = pageOf(org.logs, (e) => e.seq, after, limit, accept);
      const last = page.items[page.items.length - 1];
      const next = page.next ?? encodeCursor(last ? last.seq : Math.max(after, org.logs.at(-1)?.seq ?? 0));
      return sendPage(request, reply, { items: page.items, next }, applied, logEventJson);
    }
    // Bounded: ordered by `published`, paged by rank, ends without a next link.
    const direction = sortOrder === "ASCENDING" ? 1 : -1;
    const ranked = org.logs
      .filter(accept)
      .sort((a, b) => direction * (a.published - b.published || a.seq - b.seq))
      .map((event, index) => ({ event, rank: index + 1 }));
    const page = pageOf(ranked, (r) => r.rank, after, limit);
    return sendPage(
      request,
      reply,
      { items: page.items.map((r) => r.event), next: page.next },
      applied,
      logEventJson,
    );
  });
}
