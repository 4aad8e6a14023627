/**
 * Normalises upstream rate-limit headers into the gateway's `ratelimit-*` form. Okta sends
 * `X-Rate-Limit-Reset` as epoch seconds; the gateway reports seconds until reset. It measures
 * against its own clock (millisecond-precise) while that agrees with Okta's `Date` header, and
 * against `Date` (whole seconds) when the clocks disagree, so skew between hosts does not leak in.
 */
export interface RateLimitInfo {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
}

export function fromOktaHeaders(headers: Headers): RateLimitInfo | undefined {
  const limit = Number(headers.get("x-rate-limit-limit"));
  const remaining = Number(headers.get("x-rate-limit-remaining"));
  const resetEpoch = Number(headers.get("x-rate-limit-reset"));
  if (![limit, remaining, resetEpoch].every(Number.isFinite) || headers.get("x-rate-limit-reset") === null)
    return undefined;
  const date = Date.parse(headers.get("date") ?? "");
  const local = Date.now();
  const now = Number.isNaN(date) || Math.abs(local - date) < 2000 ? local : date;
  return { limit, remaining, reset: Math.max(0, Math.ceil(resetEpoch - now / 1000)) };
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
