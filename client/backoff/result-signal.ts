import {
  type HeaderSource,
  parseRateLimitHeaders,
  type RateLimitSignal,
  resetToMs,
} from "./rate-limit-headers.js";

/**
 * Reads what a tool result says about rate limits and failure: a gateway passes upstream errors
 * back as `isError` results carrying an envelope (`statusCode`, forwarded headers, the raw body),
 * and may report its limits under `_meta` too.
 */
export interface ToolResultLike {
  isError?: boolean;
  content?: unknown;
  structuredContent?: unknown;
  _meta?: unknown;
}

export interface ResultInspection {
  /** The HTTP status the envelope reports for an `isError` result. */
  status?: number;
  signal?: RateLimitSignal;
  /** The error envelope of an `isError` result, when it has one. */
  envelope?: Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The JSON object a result carries: its structured content, else its first JSON text block. */
export function resultJson(result: ToolResultLike): Record<string, unknown> | undefined {
  if (isRecord(result.structuredContent)) return result.structuredContent;
  if (!Array.isArray(result.content)) return undefined;
  for (const block of result.content) {
    if (isRecord(block) && block.type === "text" && typeof block.text === "string") {
      try {
        const parsed: unknown = JSON.parse(block.text);
        if (isRecord(parsed)) return parsed;
      } catch {
        // Plain text: no JSON here.
      }
    }
  }
  return undefined;
}

function fromMeta(meta: unknown, now: number): RateLimitSignal | undefined {
  if (!isRecord(meta)) return undefined;
  const block = isRecord(meta.ratelimit) ? meta.ratelimit : meta;
  const num = (key: string) =>
    typeof block[key] === "number" && (block[key] as number) >= 0 ? (block[key] as number) : undefined;
  const signal: RateLimitSignal = {};
  if (num("limit") !== undefined) signal.limit = num("limit");
  if (num("remaining") !== undefined) signal.remaining = num("remaining");
  if (num("reset") !== undefined) signal.resetMs = resetToMs(num("reset"), now);
  const retryAfter = num("retry_after") ?? num("retryAfter");
  if (retryAfter !== undefined) signal.retryAfterMs = retryAfter * 1000;
  return Object.keys(signal).length > 0 ? signal : parseRateLimitHeaders(block as HeaderSource, now);
}

export function inspectResult(result: ToolResultLike, now: number = Date.now()): ResultInspection {
  const inspection: ResultInspection = {};
  const meta = fromMeta(result._meta, now);
  let forwarded: RateLimitSignal | undefined;
  if (result.isError) {
    const envelope = resultJson(result);
    if (envelope) {
      inspection.envelope = envelope;
      const status = envelope.statusCode ?? envelope.status ?? envelope.http_status_code;
      if (typeof status === "number") inspection.status = status;
      if (isRecord(envelope.headers))
        forwarded = parseRateLimitHeaders(envelope.headers as HeaderSource, now);
    }
  }
  // The gateway's own report first; upstream headers forwarded in the envelope fill the gaps.
  const signal = { ...forwarded, ...meta };
  if (Object.keys(signal).length > 0) inspection.signal = signal;
  return inspection;
}
