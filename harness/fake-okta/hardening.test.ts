import { describe, expect, it } from "vitest";
import { snapshot } from "./snapshot.js";
import { JANE, testApp } from "./test-helpers.js";

/** Careless and hostile input to the fake Okta (issue #10): a clear 4xx, no 5xx, and no state change. */
describe("one URL at the edge: a percent-encoded path is the path it spells (RFC 3986 §6.2.2)", () => {
  it("/%61pi/v1/users without a token is refused like /api/v1/users, and with one it is journaled as /api/v1/users", async () => {
    const { call, state } = testApp(JANE);
    const anonymous = await call("GET", "/%61pi/v1/users", undefined, { authorization: "" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ errorCode: "E0000011" });
    expect((await call("GET", "/%61pi/v1/users")).status).toBe(200);
    expect(state.journal.list().map((e) => e.path)).toEqual(["/api/v1/users", "/api/v1/users"]);
  });

  it("an encoded letter cannot move a call to another bucket: /api/v1/l%6fgs is counted in logs", async () => {
    const { call, state } = testApp(JANE, { limits: "okta" });
    const response = await call("GET", "/api/v1/l%6fgs");
    expect(response.status).toBe(200);
    expect(response.headers["x-rate-limit-limit"]).toBe("50");
    expect(state.journal.list()[0]).toMatchObject({ path: "/api/v1/logs", bucket: "logs" });
  });

  it("a suspend spelled with escapes needs the token and changes nothing without it", async () => {
    const { call, state } = testApp(JANE);
    const before = state.org.getUser("jane.doe@company.com").status;
    const refused = await call(
      "POST",
      "/%61pi/v1/users/jane.doe@company.com/lifecycle/%73uspend",
      undefined,
      {
        authorization: "",
      },
    );
    expect(refused.status).toBe(401);
    expect(state.org.getUser("jane.doe@company.com").status).toBe(before);
  });
});

describe("the fake Okta under bad input", () => {
  it("duplicated query parameters count once, by their first value: no 500", async () => {
    const { call } = testApp(JANE);
    for (const url of [
      "/api/v1/users?q=jane&q=sam",
      "/api/v1/users?sortBy=profile.login&sortBy=id&search=status%20eq%20%22ACTIVE%22",
      "/api/v1/users?limit=2&limit=3",
    ]) {
      const response = await call("GET", url);
      expect(response.status, url).toBeLessThan(500);
    }
    const first = await call("GET", "/api/v1/users?limit=1&limit=3");
    expect((first.body as unknown[]).length).toBe(1);
  });

  // The reference is silent on which value Okta takes, so it is a setting: a hand-worked table.
  it.each([
    ["first", "/api/v1/users?limit=1&limit=3", 1],
    ["last", "/api/v1/users?limit=1&limit=3", 3],
    ["last", "/api/v1/users?limit=3&limit=2", 2],
  ] as const)("repeatedQueryParameter %s: %s lists %i", async (which, url, count) => {
    const { call } = testApp(JANE, { repeatedQueryParameter: which });
    expect((await call("GET", url)).body as unknown[]).toHaveLength(count);
  });

  it("a lifecycle call with duplicated flags changes the user once, or not at all: never then fails", async () => {
    const { call, state } = testApp(JANE);
    const response = await call(
      "POST",
      "/api/v1/users/staged.sam@company.com/lifecycle/activate?sendEmail=false&sendEmail=true",
    );
    expect(response.status).toBe(200);
    // The first value (false) decided: the activation token came back.
    expect(response.body).toHaveProperty("activationToken");
    expect(state.org.getUser("staged.sam@company.com").status).not.toBe("STAGED");
  });

  it("POST /__admin/reset without a fixture is refused and the org is untouched", async () => {
    const { app, state } = testApp(JANE);
    const before = snapshot(state.org);
    for (const payload of [undefined, "null", '"x"', "[]", "{}"]) {
      const response = await app.inject({
        method: "POST",
        url: "/__admin/reset",
        headers: payload === undefined ? {} : { "content-type": "application/json" },
        ...(payload === undefined ? {} : { payload }),
      });
      expect(response.statusCode, String(payload)).toBe(400);
      expect(response.json().message).toMatch(/fixture/);
    }
    expect(snapshot(state.org)).toEqual(before);
  });

  it("a body over 1 MiB is refused with 413 before anything runs", async () => {
    const { call, state } = testApp(JANE);
    const before = snapshot(state.org);
    const huge = JSON.stringify({ profile: { firstName: "x".repeat(1024 * 1024 + 10) } });
    const response = await call("POST", "/api/v1/users/jane.doe@company.com", huge);
    expect(response.status).toBe(413);
    expect(snapshot(state.org)).toEqual(before);
  });

  it("api-400: the API's own 400 E0000003 instead of the edge's page, and still nothing changes", async () => {
    const { call, state } = testApp(JANE, { bodyLimitBytes: 2048, oversizeBody: "api-400" });
    const before = snapshot(state.org);
    const body = JSON.stringify({ profile: { title: "x".repeat(4096) } });
    const response = await call("POST", "/api/v1/users/jane.doe@company.com", body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ errorCode: "E0000003" });
    expect(snapshot(state.org)).toEqual(before);
  });

  it("the limit is a setting (the reference is silent on Okta's)", async () => {
    const { call } = testApp(JANE, { bodyLimitBytes: 2048 });
    const body = (size: number) => JSON.stringify({ profile: { title: "x".repeat(size) } });
    expect((await call("POST", "/api/v1/users/jane.doe@company.com", body(4096))).status).toBe(413);
    expect((await call("POST", "/api/v1/users/jane.doe@company.com", body(100))).status).toBe(200);
  });
});

describe("fixtures are checked for values, not only formats", () => {
  it.each([
    [
      "an impossible date",
      { users: [{ login: "a@b.co", firstName: "A", lastName: "B", created: "2026-13-45T99:99:99Z" }] },
      /created/,
    ],
    [
      "an offset beyond a century",
      { users: [{ login: "a@b.co", firstName: "A", lastName: "B", lastLogin: "-99999999999d" }] },
      /lastLogin/,
    ],
    [
      "three million sessions",
      { users: [{ login: "a@b.co", firstName: "A", lastName: "B", sessions: 3_000_000 }] },
      /sessions/,
    ],
  ])("%s is refused by field, and the org is untouched", async (_what, fixture, field) => {
    const { app, state } = testApp(JANE);
    const before = snapshot(state.org);
    const response = await app.inject({ method: "POST", url: "/__admin/reset", payload: fixture });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(field);
    expect(snapshot(state.org)).toEqual(before);
    // And the org still answers: no 500 on the next list.
    expect((await app.inject({ method: "GET", url: "/__admin/state" })).statusCode).toBe(200);
  });
});

describe("bodies are checked against Okta's schema shapes", () => {
  const profile = {
    login: "new.person@company.com",
    email: "new.person@company.com",
    firstName: "New",
    lastName: "Person",
  };
  it.each([
    ["groupIds as a string", { profile, groupIds: "x" }, /groupIds/],
    ["type as a string", { profile, type: "x" }, /type/],
    [
      "a password value that is a number",
      { profile, credentials: { password: { value: 12345678 } } },
      /password/,
    ],
  ])("%s: 400 E0000001 naming the field, nobody created", async (_what, body, field) => {
    const { call, state } = testApp(JANE);
    const before = state.org.users.length;
    const response = await call("POST", "/api/v1/users", body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ errorCode: "E0000001" });
    expect(JSON.stringify(response.body)).toMatch(field);
    expect(state.org.users.length).toBe(before);
  });
});

describe("methods", () => {
  it.each([
    ["PATCH", "/api/v1/users/jane.doe@company.com"],
    ["DELETE", "/api/v1/logs"],
    ["PUT", "/api/v1/users/jane.doe@company.com/lifecycle/suspend"],
  ])("%s %s: 405 E0000022 (the path exists, the method does not)", async (method, url) => {
    const { call } = testApp(JANE);
    const response = await call(method, url);
    expect(response.status).toBe(405);
    expect(response.body).toMatchObject({ errorCode: "E0000022" });
  });

  it("a path Okta does not serve is still 404 E0000008", async () => {
    const { call } = testApp(JANE);
    const response = await call("GET", "/api/v1/nothing-here");
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ errorCode: "E0000008" });
  });
});
