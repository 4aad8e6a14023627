import { describe, expect, it } from "vitest";
import { FixtureError } from "./fixture.js";
import { USER_STATUSES } from "./model.js";
import { buildOrg } from "./seed.js";
import { TEST_NOW, testApp } from "./test-helpers.js";

const generated = (seed: number, users = 300) => ({ seed, generate: { users, groups: 14, logs: 700 } });

async function responses(seed: number) {
  const { call } = testApp(generated(seed));
  const urls = [
    "/api/v1/users?limit=200",
    "/api/v1/groups",
    "/api/v1/logs?limit=300",
    "/api/v1/users?search=status pr&limit=50",
  ];
  const bodies: string[] = [];
  for (const url of urls) bodies.push((await call("GET", url)).raw);
  const first = (JSON.parse(bodies[0] ?? "[]") as { id: string }[])[0];
  bodies.push((await call("GET", `/api/v1/users/${first?.id}/roles`)).raw);
  bodies.push((await call("POST", `/api/v1/users/${first?.id}/lifecycle/explode`)).raw);
  return bodies;
}

describe("the seeded generator", () => {
  it("gives byte-identical responses for the same seed, and different ones for another", async () => {
    const a = await responses(42);
    const b = await responses(42);
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual((await responses(43))[0]);
  });

  it("makes a realistic directory: status mix, named groups, a few top admins, a week of logs", () => {
    const org = buildOrg({ ...generated(42, 500), now: new Date(TEST_NOW).toISOString() });
    const byStatus = Object.fromEntries(
      USER_STATUSES.map((s) => [s, org.users.filter((u) => u.status === s).length]),
    );
    expect(byStatus.ACTIVE).toBeGreaterThan(350);
    for (const status of USER_STATUSES) expect(byStatus[status], status).toBeGreaterThan(0);
    const names = org.groups.map((g) => g.profile.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "Everyone",
        "AWS Production Access",
        "Infrastructure Admin",
        "Production Database Readers",
      ]),
    );
    expect(new Set(org.groups.map((g) => g.type))).toEqual(new Set(["BUILT_IN", "OKTA_GROUP", "APP_GROUP"]));
    expect(org.members(org.groupByName("Everyone")?.id ?? "").length).toBe(500);
    expect(org.members(org.groupByName("AWS Production Access")?.id ?? "").length).toBeGreaterThan(10);
    const roles = org.users.flatMap((u) => org.roles(u.id).map((r) => r.type));
    expect(roles.filter((r) => r === "SUPER_ADMIN")).toHaveLength(2);
    expect(roles.filter((r) => r === "ORG_ADMIN")).toHaveLength(3);
    expect(org.logs).toHaveLength(700);
    const published = org.logs.map((e) => e.published);
    expect(Math.min(...published)).toBeGreaterThanOrEqual(TEST_NOW - 7 * 86_400_000);
    expect([...published].sort((x, y) => x - y)).toEqual(published);
    const failures = org.logs.filter((e) => e.outcome.result === "FAILURE");
    const abroad = new Set(failures.map((e) => e.client.country).filter((c) => c !== "United States"));
    expect(abroad.size).toBeGreaterThanOrEqual(3);
    const today = failures.filter(
      (e) => e.published > TEST_NOW - 86_400_000 && e.client.country !== "United States",
    );
    expect(today.length).toBeGreaterThan(0);
    expect(org.users.some((u) => org.sessions(u.id).length > 0)).toBe(true);
  });
});

describe("explicit fixtures", () => {
  it("build users by value, with groups, roles, sessions and log events", () => {
    const org = buildOrg({
      now: "2026-11-28T12:00:00.000Z",
      groups: [{ name: "Production Database Readers" }],
      users: [
        {
          login: "jane.doe@company.com",
          firstName: "Jane",
          lastName: "Doe",
          groups: ["Production Database Readers"],
          roles: ["SUPER_ADMIN"],
          sessions: 2,
          profile: { costCenter: "R&D", badge: "B-17" },
        },
      ],
      logs: [
        {
          eventType: "user.session.start",
          actor: "jane.doe@company.com",
          outcome: "FAILURE",
          country: "Russia",
          published: "-2h",
        },
      ],
    });
    const jane = org.getUser("jane.doe@company.com");
    expect(org.groupsOf(jane.id).map((g) => g.profile.name)).toEqual([
      "Everyone",
      "Production Database Readers",
    ]);
    expect(org.roles(jane.id).map((r) => r.type)).toEqual(["SUPER_ADMIN"]);
    expect(org.sessions(jane.id)).toHaveLength(2);
    expect(jane.profile.badge).toBe("B-17");
    expect(org.profileAttributes.has("badge")).toBe(true);
    expect(org.logs[0]).toMatchObject({
      published: Date.parse("2026-11-28T10:00:00.000Z"),
      client: { country: "Russia", city: "San Francisco" },
    });
  });

  it("state apps exactly (status, groups, direct users) and role targets, the same whatever the number of users", () => {
    const fixture = (extraUsers: number) => ({
      seed: 7,
      generate: { users: 40 + extraUsers, groups: 6 },
      groups: [{ name: "Interns" }, { name: "Intern Alumni" }],
      users: [
        {
          login: "rita.admin@company.com",
          firstName: "Rita",
          lastName: "Admin",
          roles: [{ type: "USER_ADMIN" as const, groups: ["Interns"] }, "READ_ONLY_ADMIN" as const],
        },
        { login: "ivan.intern@company.com", firstName: "Ivan", lastName: "Intern", groups: ["Interns"] },
      ],
      apps: [
        { label: "AWS", status: "INACTIVE" as const, groups: ["Interns"] },
        { label: "Slack", users: ["ivan.intern@company.com"] },
      ],
    });
    const assignments = (org: ReturnType<typeof buildOrg>) =>
      org.apps.apps.map((app) => ({
        label: app.label,
        status: app.status,
        groups: org.apps.groupIds(app).map((id) => org.getGroup(id).profile.name),
        direct: org.users.filter((u) => org.apps.directUser(app, u.id)).map((u) => u.profile.login),
      }));
    const small = buildOrg(fixture(0));
    // Exactly what the fixture states: no app drawn at random for anyone.
    expect(assignments(small)).toEqual([
      { label: "AWS", status: "INACTIVE", groups: ["Interns"], direct: [] },
      { label: "Salesforce", status: "ACTIVE", groups: [], direct: [] },
      { label: "GitHub Enterprise", status: "ACTIVE", groups: [], direct: [] },
      { label: "Slack", status: "ACTIVE", groups: [], direct: ["ivan.intern@company.com"] },
      { label: "Google Workspace", status: "ACTIVE", groups: [], direct: [] },
      { label: "Zoom", status: "ACTIVE", groups: [], direct: [] },
      { label: "Jira", status: "ACTIVE", groups: [], direct: [] },
    ]);
    expect(assignments(buildOrg(fixture(25)))).toEqual(assignments(small));
    const rita = small.getUser("rita.admin@company.com");
    const roles = small.roles(rita.id);
    expect(roles.map((r) => [r.type, r.groupTargets.map((id) => small.getGroup(id).profile.name)])).toEqual([
      ["USER_ADMIN", ["Interns"]],
      ["READ_ONLY_ADMIN", []],
    ]);
  });

  it.each([
    [{ users: [{ login: "not-an-email", firstName: "A", lastName: "B" }] }, /users\.0\.login/],
    [{ apps: [{ label: "Dropbox" }] }, /apps\.0\.label/],
    [{ apps: [{ label: "AWS" }, { label: "AWS" }] }, /each app may be listed once/],
    [
      { apps: [{ label: "AWS", groups: ["Nope"] }] },
      /apps\[0\] \(AWS\): groups: no group named or with id 'Nope'/,
    ],
    [
      { apps: [{ label: "AWS", users: ["ghost@b.co"] }] },
      /apps\[0\] \(AWS\): users: no user with login 'ghost@b.co'/,
    ],
    [
      {
        users: [
          {
            login: "a@b.co",
            firstName: "A",
            lastName: "B",
            roles: [{ type: "SUPER_ADMIN", groups: ["Everyone"] }],
          },
        ],
      },
      /users\[0\] \(a@b\.co\): roles\[0\]: SUPER_ADMIN takes no group targets/,
    ],
    [{ users: [{ login: "a@b.co", firstName: "A", lastName: "B", status: "SLEEPING" }] }, /users\.0\.status/],
    [
      { users: [{ login: "a@b.co", firstName: "A", lastName: "B", groups: ["Nope"] }] },
      /users\[0\] \(a@b\.co\): groups: no group named or with id 'Nope'/,
    ],
    [{ users: [{ login: "a@b.co", firstName: "A", lastName: "B", roles: ["KING"] }] }, /users\.0\.roles\.0/],
    [
      { logs: [{ eventType: "x", actor: "ghost@b.co", published: "-1h" }] },
      /logs\[0\]: actor: no user 'ghost@b.co'/,
    ],
    [{ logs: [{ eventType: "x", actor: "a@b.co", published: "yesterday" }] }, /logs\.0\.published/],
    [{ generate: { users: -1 } }, /generate\.users/],
    [{ colour: "blue" }, /colour|Unrecognized key/],
    [{ groups: [{ name: "Everyone" }] }, /groups\[0\]: name: .*the built-in Everyone group/],
    [
      { groups: [{ name: "Interns" }, { name: "interns" }] },
      /groups\[1\]: name: a group named 'interns' already exists/,
    ],
  ])("rejects %j naming the field", (fixture, message) => {
    expect(() => buildOrg(fixture as never)).toThrow(FixtureError);
    expect(() => buildOrg(fixture as never)).toThrow(message);
  });
});

describe("the admin API", () => {
  it("resets from a fixture, snapshots state, and a bad fixture changes nothing", async () => {
    const { app, call } = testApp({ users: [{ login: "a@company.com", firstName: "A", lastName: "A" }] });
    await call("POST", "/api/v1/users/a@company.com/lifecycle/suspend");
    const state = (await app.inject({ method: "GET", url: "/__admin/state" })).json();
    expect(state.users).toEqual([
      expect.objectContaining({
        login: "a@company.com",
        status: "SUSPENDED",
        groups: ["Everyone"],
        roles: [],
        sessions: 0,
      }),
    ]);
    const bad = await app.inject({
      method: "POST",
      url: "/__admin/reset",
      payload: { users: [{ login: "x" }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/users\.0\.login/);
    expect((await app.inject({ method: "GET", url: "/__admin/state" })).json().users[0].status).toBe(
      "SUSPENDED",
    );
    const reset = await app.inject({
      method: "POST",
      url: "/__admin/reset",
      payload: { seed: 3, generate: { users: 25, logs: 10 } },
    });
    expect(reset.json()).toEqual({ users: 25, groups: 13, logs: 10 });
    expect((await app.inject({ method: "GET", url: "/__admin/journal" })).json().entries).toEqual([]);
  });

  it("a build whose cost is above the caps is refused at once, naming the cap, and changes nothing", async () => {
    const { app } = testApp({ seed: 1, generate: { users: 5 } });
    const reset = (payload: Record<string, unknown>) =>
      app.inject({ method: "POST", url: "/__admin/reset", payload });
    // Inside each field's own bound, together 10⁹ draws and ~50 million memberships.
    const huge = await reset({ generate: { users: 100_000, groups: 10_000 } });
    expect(huge.statusCode).toBe(400);
    expect(huge.json().message).toContain("users × groups is 1,000,000,000, above the 20,000,000");
    const logs = await reset({ generate: { users: 10, logs: 1_000_000 } });
    expect(logs.statusCode).toBe(400);
    expect(logs.json().message).toMatch(/generate\.logs: .*200000/);
    const sessions = Array.from({ length: 101 }, (_, i) => ({
      login: `u${i}@company.com`,
      firstName: "U",
      lastName: "U",
      sessions: 1_000,
    }));
    const held = await reset({ users: sessions });
    expect(held.statusCode).toBe(400);
    expect(held.json().message).toContain("sessions add up to more than the 100,000");
    expect((await app.inject({ method: "GET", url: "/__admin/health" })).json().users).toBe(5);
  });

  it("a large reset is built beside the org it replaces: requests sent meanwhile are answered from the old one", async () => {
    const { app } = testApp({ seed: 1, generate: { users: 5 } });
    // Over real sockets: a build that held the event loop would answer nothing until it ended.
    const origin = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      let done = false;
      const reset = fetch(`${origin}/__admin/reset`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seed: 2, generate: { users: 30_000 } }),
      }).then(async (response) => {
        done = true;
        return response.json();
      });
      const oldOrgAnswers: number[] = [];
      while (!done) {
        const health = (await (await fetch(`${origin}/__admin/health`)).json()) as { users: number };
        if (health.users === 5) oldOrgAnswers.push(health.users);
      }
      expect(await reset).toMatchObject({ users: 30_000 });
      expect(oldOrgAnswers.length).toBeGreaterThanOrEqual(5);
      const after = (await (await fetch(`${origin}/__admin/health`)).json()) as { users: number };
      expect(after.users).toBe(30_000);
    } finally {
      await app.close();
    }
  });

  it("resets sent together apply one at a time, in the order they came", async () => {
    const { app } = testApp({ seed: 1, generate: { users: 5 } });
    const reset = (users: number) =>
      app.inject({ method: "POST", url: "/__admin/reset", payload: { generate: { users } } });
    const answers = await Promise.all([reset(3_000), reset(-1), reset(7)]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 400, 200]);
    expect((await app.inject({ method: "GET", url: "/__admin/health" })).json().users).toBe(7);
  });

  it("switches limits by preset or config, refusing bad ones", async () => {
    const { app, call } = testApp({});
    const preset = await app.inject({ method: "PUT", url: "/__admin/limits", payload: { preset: "tight" } });
    expect(preset.json().windowMs).toBe(1000);
    expect((await call("GET", "/api/v1/users")).headers["x-rate-limit-limit"]).toBe("60");
    const unknown = await app.inject({ method: "PUT", url: "/__admin/limits", payload: { preset: "turbo" } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toContain("'turbo' is not one of okta, tight, none");
    const bad = await app.inject({
      method: "PUT",
      url: "/__admin/limits",
      payload: { windowMs: 0, concurrency: 1, buckets: [] },
    });
    expect(bad.json().message).toMatch(/windowMs/);
    // A preset's overrides are checked too: a window of "x" is refused, not taken.
    const override = await app.inject({
      method: "PUT",
      url: "/__admin/limits",
      payload: { preset: "tight", windowMs: "x" },
    });
    expect(override.statusCode).toBe(400);
    expect(override.json().message).toMatch(/windowMs/);
    expect((await app.inject({ method: "GET", url: "/__admin/limits" })).json().windowMs).toBe(1000);
    const good = await app.inject({
      method: "PUT",
      url: "/__admin/limits",
      payload: { preset: "okta", windowMs: 10_000, windowModel: "periodic" },
    });
    expect(good.json()).toMatchObject({ windowMs: 10_000, windowModel: "periodic", concurrency: 75 });
  });

  it("reads and filters the journal", async () => {
    const { app, call } = testApp({ users: [{ login: "a@company.com", firstName: "A", lastName: "A" }] });
    await call("GET", "/api/v1/users");
    await call("GET", "/api/v1/users/nobody");
    await call("DELETE", "/api/v1/users/a@company.com/sessions");
    const notFound = (await app.inject({ method: "GET", url: "/__admin/journal?status=404" })).json();
    expect(notFound.entries.map((e: { path: string }) => e.path)).toEqual(["/api/v1/users/nobody"]);
    const deletes = (await app.inject({ method: "GET", url: "/__admin/journal?method=delete" })).json();
    expect(deletes.entries).toHaveLength(1);
    // Streamed as NDJSON: one entry per line, the same entries in the same order.
    const streamed = await app.inject({ method: "GET", url: "/__admin/journal?format=ndjson" });
    expect(streamed.headers["content-type"]).toContain("application/x-ndjson");
    const lines = streamed.body
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { path: string });
    expect(lines.map((e) => e.path)).toEqual([
      "/api/v1/users",
      "/api/v1/users/nobody",
      "/api/v1/users/a@company.com/sessions",
    ]);
    const bad = await app.inject({ method: "GET", url: "/__admin/journal?status=teapot" });
    expect(bad.statusCode).toBe(400);
    expect((await app.inject({ method: "DELETE", url: "/__admin/journal" })).statusCode).toBe(204);
    expect((await app.inject({ method: "GET", url: "/__admin/journal" })).json().entries).toEqual([]);
  });
});
