/**
 * Normalises upstream rate-limit headers into the gateway's `ratelimit-*` form. Okta sends
 * `X-Rate-Limit-Reset` as epoch seconds; the gateway reports whole seconds until reset (Truto:
 * delta-seconds, rate-limits.md §1.6), computed from the upstream answer alone as Okta tells its
 * clients to: `X-Rate-Limit-Reset − Date` (okta-api.md §3, rate-limits.md §3.2). Both are whole
 * seconds, so the report can be up to a second off either way; the gateway's own clock plays no part.
 */
export interface RateLimitInfo {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
}

/** What the header readers need: `Headers`, or the gateway's reader over undici's plain headers. */
export interface HeaderReader {
  get(name: string): string | null;
}

export function fromOktaHeaders(headers: HeaderReader): RateLimitInfo | undefined {
  const limit = Number(headers.get("x-rate-limit-limit"));
  const remaining = Number(headers.get("x-rate-limit-remaining"));
  const resetEpoch = Number(headers.get("x-rate-limit-reset"));
  if (![limit, remaining, resetEpoch].every(Number.isFinite) || headers.get("x-rate-limit-reset") === null)
    return undefined;
  const date = Date.parse(headers.get("date") ?? "");
  // Without a Date header (Okta always sends one) the gateway's clock is all there is.
  const now = Number.isNaN(date) ? Date.now() : date;
  return { limit, remaining, reset: Math.max(0, resetEpoch - Math.floor(now / 1000)) };
}

export function rateLimitHeaders(info: RateLimitInfo): Record<string, string> {
  return {
    "ratelimit-limit": String(info.limit),
    "ratelimit-remaining": String(info.remaining),
    "ratelimit-reset": String(info.reset),
  };
}

/** Of several calls answered in one HTTP response, the one closest to its limit speaks for all. */
export function tightest(infos: RateLimitInfo[]): RateLimitInfo | undefined {
  return infos.reduce<RateLimitInfo | undefined>(
    (worst, info) =>
      !worst ||
      info.remaining < worst.remaining ||
      (info.remaining === worst.remaining && info.reset > worst.reset)
        ? info
        : worst,
    undefined,
  );
}
