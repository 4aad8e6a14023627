import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../shared/clock.js";
import { FaultInjector, type FaultSchedule } from "./faults.js";
import { type FakeOkta, startFakeOkta } from "./server.js";
import { JANE, testApp } from "./test-helpers.js";

describe("fault schedule (pure)", () => {
  it("latency with jitter: each delay is ms × (1 ± jitter), uniform, the same for the same seed", () => {
    const delays = (seed: number) => {
      const faults = new FaultInjector(new ManualClock(0));
      faults.install({ seed, rules: [{ action: { type: "latency", ms: 100, jitter: 0.5 } }] });
      return Array.from({ length: 400 }, () => faults.plan("GET", "/api/v1/users")?.latencyMs ?? -1);
    };
    const spread = delays(3);
    expect(Math.min(...spread)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...spread)).toBeLessThanOrEqual(150);
    // Uniform: about a quarter in each quarter of the range (400 draws; bounds at ±50% of 100).
    const quarters = [0, 1, 2, 3].map(
      (q) => spread.filter((d) => d >= 50 + 25 * q && d < 75 + 25 * q).length,
    );
    for (const count of quarters) expect(count).toBeGreaterThan(50);
    expect(delays(3)).toEqual(spread);
    // Without jitter, the delay is exactly the one stated.
    const fixed = new FaultInjector(new ManualClock(0));
    fixed.install({ rules: [{ action: { type: "latency", ms: 100 } }] });
    expect(fixed.plan("GET", "/x")?.latencyMs).toBe(100);
  });

  it("everyNth fires on every Nth matching request only", () => {
    const faults = new FaultInjector(new ManualClock(0));
    faults.install({
      rules: [{ path: "/api/v1/users", everyNth: 3, action: { type: "status", status: 503 } }],
    });
    const fired = Array.from({ length: 9 }, () => faults.plan("GET", "/api/v1/users")?.action?.type ?? "-");
    expect(fired).toEqual(["-", "-", "status", "-", "-", "status", "-", "-", "status"]);
    expect(faults.plan("GET", "/api/v1/groups")).toBeUndefined();
  });

  it("probability is seeded: the same seed fires on the same requests", () => {
    const run = (seed: number) => {
      const faults = new FaultInjector(new ManualClock(0));
      faults.install({ seed, rules: [{ probability: 0.3, action: { type: "status", status: 500 } }] });
      return Array.from({ length: 200 }, () => (faults.plan("GET", "/api/v1/users") ? 1 : 0)).join("");
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
    const hits = [...run(7)].filter((c) => c === "1").length;
    expect(hits).toBeGreaterThan(35);
    expect(hits).toBeLessThan(85);
  });

  it("a time window and a cap on firings bound a 429 burst", () => {
    const clock = new ManualClock(0);
    const faults = new FaultInjector(clock);
    faults.install({
      rules: [{ method: "get", fromMs: 100, toMs: 200, times: 2, action: { type: "status", status: 429 } }],
    });
    expect(faults.plan("GET", "/x")).toBeUndefined();
    clock.advance(100);
    expect(faults.plan("POST", "/x")).toBeUndefined();
    expect(faults.plan("GET", "/x")?.action).toEqual({ type: "status", status: 429, resetMs: 1000 });
    expect(faults.plan("GET", "/x")?.action).toEqual({ type: "status", status: 429, resetMs: 1000 });
    expect(faults.plan("GET", "/x")).toBeUndefined();
    clock.advance(100);
    expect(faults.plan("GET", "/x")).toBeUndefined();
  });

  it("latency adds up and combines with a terminal fault; wildcards match one segment", () => {
    const faults = new FaultInjector(new ManualClock(0));
    faults.install({
      rules: [
        { path: "/api/v1/users/*/roles", action: { type: "latency", ms: 50 } },
        { path: "/api/v1/users", action: { type: "latency", ms: 25 } },
        { path: "/api/v1/users/*/roles", action: { type: "reset" } },
      ],
    });
    expect(faults.plan("GET", "/api/v1/users/00u1/roles")).toMatchObject({
      latencyMs: 75,
      action: { type: "reset" },
    });
    expect(faults.plan("GET", "/api/v1/users/00u1/groups")).toMatchObject({ latencyMs: 25 });
  });
});

describe("faults over HTTP", () => {
  let okta: FakeOkta | undefined;
  afterEach(async () => okta?.close());
  const start = async (action: FaultSchedule["rules"][number]["action"], extra: object = {}) => {
    okta = await startFakeOkta({
      fixture: JANE,
      limits: "none",
      faults: { rules: [{ path: "/api/v1/users", action, ...extra }] },
    });
    return okta;
  };
  const get = (path = "/api/v1/users?limit=1") =>
    fetch(`${okta?.url}${path}`, { headers: { authorization: `SSWS ${okta?.token}` } });

  it("a 429 burst answers Okta's E0000047 with Remaining 0, and is journaled as a fault", async () => {
    await start({ type: "status", status: 429 }, { times: 2 });
    const responses = [await get(), await get(), await get()];
    expect(responses.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(responses[0]?.headers.get("x-rate-limit-remaining")).toBe("0");
    expect(Number(responses[0]?.headers.get("x-rate-limit-reset"))).toBeGreaterThan(Date.now() / 1000 - 1);
    expect(await responses[0]?.json()).toMatchObject({ errorCode: "E0000047" });
    expect(okta?.state.journal.list().map((e) => [e.status, e.faults.length])).toEqual([
      [429, 1],
      [429, 1],
      [200, 0],
    ]);
  });

  it("500 is Okta's E0000009; 502/503/504 are a proxy's HTML pages", async () => {
    await start({ type: "status", status: 500 });
    const response = await get();
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({
      errorCode: "E0000009",
      errorSummary: "Internal Server Error",
    });
    for (const status of [502, 503, 504] as const) {
      okta?.state.faults.install({ rules: [{ action: { type: "status", status } }] });
      const proxied = await get();
      expect(proxied.status).toBe(status);
      expect(proxied.headers.get("content-type")).toContain("text/html");
      expect(await proxied.text()).toContain(String(status));
    }
  });

  it("added latency delays the answer", async () => {
    await start({ type: "latency", ms: 250 });
    const started = performance.now();
    expect((await get()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it("a connection reset drops the socket without an answer", async () => {
    await start({ type: "reset" }, { times: 1 });
    await expect(get()).rejects.toThrow(/fetch failed/);
    expect((await get()).status).toBe(200);
    expect(okta?.state.journal.list()[0]).toMatchObject({ status: 0, faults: ["rule 0"] });
  });

  it("a malformed body is cut short JSON with a 200", async () => {
    await start({ type: "malformed" });
    const response = await get();
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith("[{")).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });
});

describe("faults through the admin API", () => {
  it("installs, lists and clears a schedule; a bad one is refused naming the field and changes nothing", async () => {
    const { app } = testApp(JANE);
    const put = (payload: unknown) =>
      app.inject({ method: "PUT", url: "/__admin/faults", payload: payload as object });
    expect(
      (await put({ rules: [{ everyNth: 2, action: { type: "status", status: 503 } }] })).statusCode,
    ).toBe(200);
    const bad = await put({ rules: [{ everyNth: 0, action: { type: "status", status: 418 } }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/rules\.0\.everyNth/);
    expect(bad.json().message).toMatch(/rules\.0\.action\.status/);
    expect((await app.inject({ method: "GET", url: "/__admin/faults" })).json().rules).toHaveLength(1);
    expect((await app.inject({ method: "DELETE", url: "/__admin/faults" })).statusCode).toBe(204);
    expect((await app.inject({ method: "GET", url: "/__admin/faults" })).json().rules).toEqual([]);
  });
});
