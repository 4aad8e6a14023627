import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../shared/clock.js";
import { type RateLimitConfig, RateLimiter } from "./rate-limits.js";
import { type FakeOkta, startFakeOkta } from "./server.js";
import { JANE, TEST_NOW, testApp } from "./test-helpers.js";

const config: RateLimitConfig = {
  windowMs: 1000,
  concurrency: 0,
  buckets: [
    { name: "users-get", methods: ["GET"], path: "/api/v1/users/{id}", limit: 3 },
    { name: "users-write", methods: ["POST", "PUT", "DELETE"], path: "/api/v1/users/{id}*", limit: 2 },
    { name: "users-list", methods: ["GET", "POST"], path: "/api/v1/users", limit: 2 },
    { name: "logs", path: "/api/v1/logs*", limit: 1, windowMs: 5000 },
    { name: "other", path: "/api/v1/*", limit: 5 },
  ],
};

describe("bucket matching (exact template first, then longest prefix, by method)", () => {
  const limiter = new RateLimiter(config, new ManualClock(0));
  it.each([
    ["GET", "/api/v1/users", "users-list"],
    ["POST", "/api/v1/users", "users-list"],
    ["GET", "/api/v1/users/00u123", "users-get"],
    ["POST", "/api/v1/users/00u123", "users-write"],
    ["POST", "/api/v1/users/00u123/lifecycle/suspend", "users-write"],
    ["DELETE", "/api/v1/users/00u123/sessions", "users-write"],
    ["GET", "/api/v1/users/00u123/roles", "other"],
    ["GET", "/api/v1/logs", "logs"],
    ["GET", "/api/v1/groups/00g1/users", "other"],
    ["GET", "/oauth2/v1/keys", "unlimited"],
  ])("%s %s → %s", (method, path, bucket) => {
    expect(limiter.peek(method, path).bucket).toBe(bucket);
  });
});

describe("rate limits over HTTP", () => {
  it("counts per bucket, answers 429 E0000047 when empty, and refills when the window ends", async () => {
    const { call, clock } = testApp(JANE, { limits: config });
    const first = await call("GET", "/api/v1/users/jane.doe@company.com");
    expect(first.headers["x-rate-limit-limit"]).toBe("3");
    expect(first.headers["x-rate-limit-remaining"]).toBe("2");
    expect(first.headers["x-rate-limit-reset"]).toBe(String(Math.ceil((TEST_NOW + 1000) / 1000)));
    expect(first.headers["x-okta-request-id"]).toMatch(/^req\w+$/);
    await call("GET", "/api/v1/users/jane.doe@company.com");
    await call("GET", "/api/v1/users/jane.doe@company.com");
    const refused = await call("GET", "/api/v1/users/jane.doe@company.com");
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      errorCode: "E0000047",
      errorSummary: "API call exceeded rate limit due to too many requests.",
      errorLink: "E0000047",
      errorId: expect.stringMatching(/^oae\w{17}$/),
      errorCauses: [],
    });
    expect(refused.headers["x-rate-limit-remaining"]).toBe("0");
    // Other buckets are untouched.
    expect((await call("GET", "/api/v1/users")).status).toBe(200);
    clock.advance(1000);
    const refilled = await call("GET", "/api/v1/users/jane.doe@company.com");
    expect(refilled.status).toBe(200);
    expect(refilled.headers["x-rate-limit-remaining"]).toBe("2");
  });

  it("a bucket's own window overrides the default", async () => {
    const { call, clock } = testApp(JANE, { limits: config });
    expect((await call("GET", "/api/v1/logs")).status).toBe(200);
    clock.advance(1000);
    expect((await call("GET", "/api/v1/logs")).status).toBe(429);
    clock.advance(4000);
    expect((await call("GET", "/api/v1/logs")).status).toBe(200);
  });

  it("a refused request is not served: its side effect does not happen", async () => {
    const { call, state } = testApp(JANE, { limits: config });
    await call("POST", "/api/v1/users/staged.sam@company.com/lifecycle/activate");
    await call("POST", "/api/v1/users/locked.lee@company.com/lifecycle/unlock");
    const third = await call("POST", "/api/v1/users/jane.doe@company.com/lifecycle/suspend");
    expect(third.status).toBe(429);
    expect(state.org.getUser("jane.doe@company.com").status).toBe("ACTIVE");
  });

  it("a 401 carries the headers but spends nothing", async () => {
    const { call } = testApp(JANE, { limits: config });
    const unauthenticated = await call("GET", "/api/v1/users", undefined, { authorization: "SSWS wrong" });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers["x-rate-limit-remaining"]).toBe("2");
    expect((await call("GET", "/api/v1/users")).headers["x-rate-limit-remaining"]).toBe("1");
  });

  it("the journal records each request with its bucket, status and rate-limit state", async () => {
    const { call, state } = testApp(JANE, { limits: config });
    await call("GET", "/api/v1/users");
    await call("GET", "/api/v1/users");
    await call("GET", "/api/v1/users", undefined, { "x-okta-retry-for": "req1", "x-okta-retry-count": "1" });
    const entries = state.journal.list();
    expect(entries.map((e) => [e.bucket, e.status, e.rateLimit?.remaining])).toEqual([
      ["users-list", 200, 1],
      ["users-list", 200, 0],
      ["users-list", 429, 0],
    ]);
    expect(entries[2]).toMatchObject({
      retryFor: "req1",
      retryCount: 1,
      method: "GET",
      path: "/api/v1/users",
    });
  });
});

describe("windows as Okta keeps them (okta-api.md §3: not aligned; reset in whole epoch seconds)", () => {
  // Hand-worked: the first request at TEST_NOW + 300 ms opens a 1 s window ending at TEST_NOW + 1300 ms,
  // which is epoch second TEST_NOW/1000 + 2 rounded up, + 1 rounded down.
  const base = TEST_NOW / 1000;
  it.each([
    ["up", base + 2],
    ["down", base + 1],
    [undefined, base + 2],
  ] as const)(
    "resetRounding %s: the window opens at the first request's own millisecond",
    async (rounding, reset) => {
      const { call, clock } = testApp(JANE, { limits: { ...config, resetRounding: rounding } });
      clock.advance(300);
      const first = await call("GET", "/api/v1/users");
      expect(first.headers["x-rate-limit-reset"]).toBe(String(reset));
      clock.advance(999);
      await call("GET", "/api/v1/users");
      // Still the window that opened at +300 ms: 2 calls spent, the third refused, 1 ms before its end.
      expect((await call("GET", "/api/v1/users")).status).toBe(429);
      clock.advance(1);
      const next = await call("GET", "/api/v1/users");
      expect(next.status).toBe(200);
      expect(next.headers["x-rate-limit-remaining"]).toBe("1");
    },
  );

  it("a window opens only with the next request: an idle gap does not start one", async () => {
    const { call, clock } = testApp(JANE, { limits: config });
    await call("GET", "/api/v1/users");
    clock.advance(5_750);
    const late = await call("GET", "/api/v1/users");
    // Opened at +5750 ms: ends at +6750 ms, epoch second base + 7 rounded up.
    expect(late.headers["x-rate-limit-reset"]).toBe(String(TEST_NOW / 1000 + 7));
  });

  it("periodic windows (a setting: the reference is silent) sit on a fixed grid shifted by the phase", async () => {
    // Hand-worked: 1 s windows with phase 400 ms run [base+0.4 s, base+1.4 s), [base+1.4 s, …).
    // A first request at +300 ms falls in the window that opened at −600 ms and ends at +400 ms;
    // at +400 ms a new one opens however busy the last was.
    const { call, clock } = testApp(JANE, {
      limits: { ...config, windowModel: "periodic", windowPhaseMs: 400 },
    });
    clock.advance(300);
    const first = await call("GET", "/api/v1/users");
    expect(first.headers["x-rate-limit-reset"]).toBe(String(base + 1)); // ends at +400 ms
    await call("GET", "/api/v1/users");
    expect((await call("GET", "/api/v1/users")).status).toBe(429);
    clock.advance(100); // +400 ms: the next window of the grid
    const next = await call("GET", "/api/v1/users");
    expect(next.status).toBe(200);
    expect(next.headers["x-rate-limit-reset"]).toBe(String(base + 2)); // ends at +1400 ms
    clock.advance(5_350); // +5750 ms: idle gaps do not move the grid
    expect((await call("GET", "/api/v1/users")).headers["x-rate-limit-reset"]).toBe(String(base + 7)); // +6400 ms
  });

  it("an injected 429 reports the same state in its headers and in the journal", async () => {
    const { call, state } = testApp(JANE, {
      limits: config,
      faults: { rules: [{ path: "/api/v1/users", action: { type: "status", status: 429, resetMs: 4000 } }] },
    });
    const refused = await call("GET", "/api/v1/users");
    expect(refused.status).toBe(429);
    const entry = state.journal.list().at(-1);
    expect(entry?.rateLimit).toEqual({
      limit: Number(refused.headers["x-rate-limit-limit"]),
      remaining: 0,
      reset: Number(refused.headers["x-rate-limit-reset"]),
    });
    expect(entry?.rateLimit?.reset).toBe(TEST_NOW / 1000 + 4);
  });
});

describe("the concurrency limit", () => {
  let okta: FakeOkta | undefined;
  afterEach(async () => okta?.close());

  it("refuses requests beyond the limit in flight with Limit 0 and Remaining 0", async () => {
    okta = await startFakeOkta({
      fixture: JANE,
      limits: { windowMs: 60_000, concurrency: 2, buckets: [] },
      faults: { rules: [{ path: "/api/v1/users", action: { type: "latency", ms: 300 } }] },
    });
    const headers = { authorization: `SSWS ${okta.token}` };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => fetch(`${okta?.url}/api/v1/users?limit=1`, { headers })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    const refused = responses.find((r) => r.status === 429);
    expect(refused?.headers.get("x-rate-limit-limit")).toBe("0");
    expect(refused?.headers.get("x-rate-limit-remaining")).toBe("0");
    expect(await refused?.json()).toMatchObject({ errorCode: "E0000047" });
    // Slots are freed when responses finish.
    expect(okta.state.limiter.concurrentRequests).toBe(0);
    expect((await fetch(`${okta.url}/api/v1/users?limit=1`, { headers })).status).toBe(200);
  });
});
