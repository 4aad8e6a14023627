import { describe, expect, it } from "vitest";
import {
  type HeaderSource,
  parseRateLimitHeaders,
  parseRetryAfter,
  type RateLimitSignal,
  resetToMs,
} from "./rate-limit-headers.js";

const NOW = Date.parse("2026-11-28T12:00:00.000Z");
const NOW_S = NOW / 1000;

/** Real-world header sets and what they mean. */
const CASES: [string, HeaderSource, RateLimitSignal | undefined][] = [
  [
    "Truto (delta-seconds reset)",
    { "ratelimit-limit": "600", "ratelimit-remaining": "599", "ratelimit-reset": "42" },
    { limit: 600, remaining: 599, resetMs: 42_000 },
  ],
  [
    "Truto, HubSpot example with ;w=",
    { "ratelimit-limit": "110;w=10", "ratelimit-remaining": "109", "ratelimit-reset": "60" },
    { limit: 110, remaining: 109, resetMs: 60_000 },
  ],
  [
    "Truto 429 with Retry-After",
    { "ratelimit-limit": "60", "ratelimit-remaining": "0", "ratelimit-reset": "3", "retry-after": "3" },
    { limit: 60, remaining: 0, resetMs: 3000, retryAfterMs: 3000 },
  ],
  [
    "Okta (epoch-seconds reset)",
    { "X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": String(NOW_S + 30) },
    { limit: 600, remaining: 0, resetMs: 30_000 },
  ],
  [
    "Okta concurrency 429 (Limit and Remaining 0)",
    { "x-rate-limit-limit": "0", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(NOW_S + 1) },
    { limit: 0, remaining: 0, resetMs: 1000 },
  ],
  [
    "GitHub (epoch seconds)",
    {
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4987",
      "x-ratelimit-reset": String(NOW_S + 1800),
      "x-ratelimit-used": "13",
      "x-ratelimit-resource": "core",
    },
    { limit: 5000, remaining: 4987, resetMs: 1_800_000 },
  ],
  [
    "X-RateLimit with a delta reset",
    { "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "7", "X-RateLimit-Reset": "15" },
    { limit: 100, remaining: 7, resetMs: 15_000 },
  ],
  [
    "reset as epoch milliseconds",
    { "x-ratelimit-remaining": "1", "x-ratelimit-reset": String(NOW + 2500) },
    { remaining: 1, resetMs: 2500 },
  ],
  [
    "IETF draft -03 (three fields)",
    { "RateLimit-Limit": "100", "RateLimit-Remaining": "50", "RateLimit-Reset": "7" },
    { limit: 100, remaining: 50, resetMs: 7000 },
  ],
  [
    "IETF draft -07 (dictionary)",
    { RateLimit: "limit=100, remaining=50, reset=5", "RateLimit-Policy": "100;w=10" },
    { limit: 100, remaining: 50, resetMs: 5000 },
  ],
  [
    "IETF draft -10 (structured list)",
    { RateLimit: '"default";r=50;t=30', "RateLimit-Policy": '"default";q=100;w=60' },
    { limit: 100, remaining: 50, resetMs: 30_000 },
  ],
  [
    "IETF draft -10, two policies: the tighter binds",
    {
      RateLimit: '"burst";r=80;t=5, "daily";r=3;t=3600',
      "RateLimit-Policy": '"burst";q=100;w=60, "daily";q=1000;w=86400',
    },
    { limit: 1000, remaining: 3, resetMs: 3_600_000 },
  ],
  [
    "Retry-After as an HTTP-date",
    { "retry-after": "Sat, 28 Nov 2026 12:00:10 GMT" },
    { retryAfterMs: 10_000 },
  ],
  [
    "Retry-After in the past means now",
    { "retry-after": "Sat, 28 Nov 2026 11:59:00 GMT" },
    { retryAfterMs: 0 },
  ],
  ["Retry-After with Truto headers absent", { "Retry-After": "10" }, { retryAfterMs: 10_000 }],
  [
    "Truto headers win over Okta's forwarded ones",
    { "ratelimit-remaining": "5", "x-rate-limit-remaining": "9", "x-rate-limit-limit": "600" },
    { limit: 600, remaining: 5 },
  ],
  ["a Headers object", new Headers({ "ratelimit-remaining": "3" }), { remaining: 3 }],
  [
    "multi-value header joined by a proxy",
    { "x-rate-limit-reset": `${NOW_S + 5}, ${NOW_S + 5}`, "x-rate-limit-remaining": "4" },
    { remaining: 4, resetMs: 5000 },
  ],
  ["nothing at all", { "content-type": "application/json" }, undefined],
  [
    "malformed: words, negatives and junk are ignored",
    {
      "ratelimit-limit": "lots",
      "ratelimit-remaining": "-3",
      "ratelimit-reset": "soon",
      "retry-after": "later",
    },
    undefined,
  ],
  [
    "malformed structured field is ignored",
    { RateLimit: "garbage;;=", "x-ratelimit-remaining": "2" },
    { remaining: 2 },
  ],
  ["malformed draft -10 item without r", { RateLimit: '"default";t=30' }, undefined],
];

describe("parseRateLimitHeaders", () => {
  it.each(CASES)("%s", (_name, headers, expected) => {
    expect(parseRateLimitHeaders(headers, NOW)).toEqual(expected);
  });
});

describe("the pieces", () => {
  it("treats values above 1e9 as epoch seconds and above 1e12 as epoch milliseconds", () => {
    expect(resetToMs(60, NOW)).toBe(60_000);
    expect(resetToMs(NOW_S + 60, NOW)).toBe(60_000);
    expect(resetToMs(NOW + 60_000, NOW)).toBe(60_000);
    expect(resetToMs(NOW_S - 60, NOW)).toBe(0);
  });
  it("reads Retry-After's asctime date form and refuses non-dates", () => {
    expect(parseRetryAfter("Sat Nov 28 12:00:05 2026 GMT", NOW)).toBe(5000);
    expect(parseRetryAfter("1.5", NOW)).toBeUndefined();
    expect(parseRetryAfter("", NOW)).toBeUndefined();
  });
});
