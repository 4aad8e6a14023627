import { describe, expect, it } from "vitest";
import { fromOktaHeaders } from "./rate-limit.js";

/** Hand-worked: `ratelimit-reset` = X-Rate-Limit-Reset − Date, both whole seconds (okta-api.md §3). */
describe("the gateway's ratelimit-* from Okta's own headers", () => {
  const okta = (reset: string, date: string | null) =>
    new Headers({
      "x-rate-limit-limit": "600",
      "x-rate-limit-remaining": "17",
      "x-rate-limit-reset": reset,
      ...(date ? { date } : {}),
    });

  it.each([
    // Date 12:00:00 GMT = epoch 1795867200.
    ["1795867260", "Sat, 28 Nov 2026 12:00:00 GMT", 60],
    ["1795867201", "Sat, 28 Nov 2026 12:00:00 GMT", 1],
    ["1795867200", "Sat, 28 Nov 2026 12:00:00 GMT", 0],
    // A reset already past (a late answer) is never negative.
    ["1795867190", "Sat, 28 Nov 2026 12:00:00 GMT", 0],
  ])("reset %s with Date %s → %i s", (reset, date, seconds) => {
    expect(fromOktaHeaders(okta(reset, date))).toEqual({ limit: 600, remaining: 17, reset: seconds });
  });

  it("uses Okta's Date, not the gateway's clock: a skewed host reports the same delta", () => {
    // The Date header is 30 years before the gateway's clock; the delta is still 42 s.
    expect(fromOktaHeaders(okta("946684842", "Sat, 01 Jan 2000 00:00:00 GMT"))?.reset).toBe(42);
  });

  it("is absent when Okta sent no reset", () => {
    expect(fromOktaHeaders(new Headers({ "x-rate-limit-limit": "1" }))).toBeUndefined();
  });
});
