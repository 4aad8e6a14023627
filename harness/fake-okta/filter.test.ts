import { describe, expect, it } from "vitest";
import { testApp } from "./test-helpers.js";

const org = () =>
  testApp({
    users: [
      {
        login: "ann.smith@company.com",
        firstName: "Ann",
        lastName: "Smith",
        department: "Data",
        created: "-10d",
      },
      {
        login: "bob.smithers@company.com",
        firstName: "Bob",
        lastName: "Smithers",
        status: "SUSPENDED",
        created: "-5d",
      },
      {
        login: "carl.jones@company.com",
        firstName: "Carl",
        lastName: "Jones",
        status: "DEPROVISIONED",
        created: "-2d",
      },
      {
        login: "dana.smyth@other.org",
        firstName: "Dana",
        lastName: "Smyth",
        status: "STAGED",
        created: "-1d",
      },
    ],
  });

type User = { profile: { login: string } };
const logins = (body: unknown) => (body as User[]).map((u) => u.profile.login).sort();

describe("users: q, filter and search", () => {
  it("q is starts-with on first name, last name or email, case-insensitive, and omits DEPROVISIONED", async () => {
    const { call } = org();
    expect(logins((await call("GET", "/api/v1/users?q=smi")).body)).toEqual([
      "ann.smith@company.com",
      "bob.smithers@company.com",
    ]);
    expect(logins((await call("GET", "/api/v1/users?q=DANA")).body)).toEqual(["dana.smyth@other.org"]);
    expect(logins((await call("GET", "/api/v1/users?q=carl")).body)).toEqual([]);
    const limited = await call("GET", "/api/v1/users?q=s&limit=1");
    expect((limited.body as unknown[]).length).toBe(1);
    expect(String(limited.headers.link)).not.toContain('rel="next"');
  });

  const filterCases: [string, string[]][] = [
    ['status eq "SUSPENDED"', ["bob.smithers@company.com"]],
    ['status eq "DEPROVISIONED"', ["carl.jones@company.com"]],
    ['profile.lastName eq "Smith"', ["ann.smith@company.com"]],
    ['profile.lastName eq "smith"', []], // filter values are case-sensitive
    ['status eq "ACTIVE" or status eq "STAGED"', ["ann.smith@company.com", "dana.smyth@other.org"]],
    [
      '(status eq "ACTIVE" or status eq "SUSPENDED") and profile.firstName eq "Bob"',
      ["bob.smithers@company.com"],
    ],
    ['lastUpdated gt "2026-11-25T00:00:00.000Z"', ["carl.jones@company.com", "dana.smyth@other.org"]],
    ['lastUpdated lt "2026-11-20T00:00:00.000Z"', ["ann.smith@company.com"]],
    [
      'lastUpdated ge "2026-11-23T12:00:00.000Z" and lastUpdated le "2026-11-26T12:00:00.000Z"',
      ["bob.smithers@company.com", "carl.jones@company.com"],
    ],
  ];
  it.each(filterCases)("filter=%s", async (expression, expected) => {
    const { call } = org();
    const response = await call("GET", `/api/v1/users?filter=${encodeURIComponent(expression)}`);
    expect(response.status).toBe(200);
    expect(logins(response.body)).toEqual(expected);
  });

  const searchCases: [string, string[]][] = [
    ['profile.lastName sw "smi"', ["ann.smith@company.com", "bob.smithers@company.com"]], // values case-insensitive
    ['profile.email co "other"', ["dana.smyth@other.org"]],
    ['profile.department eq "data"', ["ann.smith@company.com"]],
    ['status eq "DEPROVISIONED"', ["carl.jones@company.com"]],
    ['created lt "2026-11-22T00:00:00.000Z"', ["ann.smith@company.com"]],
    [
      '(status lt "STAGED" or status gt "STAGED") and profile.lastName sw "Sm"',
      ["ann.smith@company.com", "bob.smithers@company.com"],
    ],
    ["profile.department pr", ["ann.smith@company.com"]],
  ];
  it.each(searchCases)("search=%s", async (expression, expected) => {
    const { call } = org();
    const response = await call("GET", `/api/v1/users?search=${encodeURIComponent(expression)}`);
    expect(response.status).toBe(200);
    expect(logins(response.body)).toEqual(expected);
  });

  it("search sorts by any property and pages the sorted result", async () => {
    const { call } = org();
    const first = await call(
      "GET",
      "/api/v1/users?search=id pr&sortBy=profile.firstName&sortOrder=desc&limit=3",
    );
    expect((first.body as User[]).map((u) => u.profile.login)).toEqual([
      "dana.smyth@other.org",
      "carl.jones@company.com",
      "bob.smithers@company.com",
    ]);
    const next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))?.[1];
    const rest = await call("GET", new URL(next ?? "").pathname + new URL(next ?? "").search);
    expect(logins(rest.body)).toEqual(["ann.smith@company.com"]);
  });

  const badCases: [string, string][] = [
    ["filter", 'status eqq "ACTIVE"'],
    ["filter", '(status eq "ACTIVE"'],
    ["filter", 'profile.department eq "Data"'], // filter allows only a few fields
    ["filter", 'status sw "ACT"'], // and only eq, except on lastUpdated
    ["filter", 'not (status eq "ACTIVE")'],
    ["search", 'profile.department co "at"'], // co only on names, email and login
    ["search", 'status ne "ACTIVE"'],
    ["search", 'credentials.password eq "x"'],
    ["search", "status eq"],
  ];
  it.each(badCases)("bad %s '%s' is 400 E0000031, not a crash", async (param, expression) => {
    const { call } = org();
    const response = await call("GET", `/api/v1/users?${param}=${encodeURIComponent(expression)}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ errorCode: "E0000031", errorSummary: "Invalid search criteria." });
  });
});

describe("groups: q, filter and search", () => {
  const groups = () =>
    testApp({
      groups: [
        { name: "AWS Production Access", description: "prod" },
        { name: "AWS Staging", description: "staging access" },
        { name: "Salesforce Users", type: "APP_GROUP" },
      ],
    });
  const names = (body: unknown) => (body as { profile: { name: string } }[]).map((g) => g.profile.name);

  it("q matches the start of the name", async () => {
    const { call } = groups();
    expect(names((await call("GET", "/api/v1/groups?q=aws")).body)).toEqual([
      "AWS Production Access",
      "AWS Staging",
    ]);
  });
  it("filter by type, search by name and description", async () => {
    const { call } = groups();
    expect(names((await call("GET", '/api/v1/groups?filter=type eq "APP_GROUP"')).body)).toEqual([
      "Salesforce Users",
    ]);
    expect(names((await call("GET", '/api/v1/groups?filter=type eq "BUILT_IN"')).body)).toEqual(["Everyone"]);
    expect(names((await call("GET", '/api/v1/groups?search=profile.description co "STAGING"')).body)).toEqual(
      ["AWS Staging"],
    );
    expect(names((await call("GET", '/api/v1/groups?search=profile.name sw "aws p"')).body)).toEqual([
      "AWS Production Access",
    ]);
  });
  it("bad group filter is E0000031", async () => {
    const { call } = groups();
    const response = await call("GET", '/api/v1/groups?filter=profile.name eq "x"');
    expect(response.body).toMatchObject({ errorCode: "E0000031" });
  });
});

describe("System Log: filter and q", () => {
  const logs = () =>
    testApp({
      users: [
        { login: "jane@company.com", firstName: "Jane", lastName: "Doe" },
        { login: "ivan@company.com", firstName: "Ivan", lastName: "P" },
      ],
      logs: [
        { eventType: "user.session.start", actor: "jane@company.com", published: "-3h" },
        {
          eventType: "user.session.start",
          actor: "ivan@company.com",
          outcome: "FAILURE",
          reason: "INVALID_CREDENTIALS",
          country: "Russia",
          city: "Moscow",
          published: "-2h",
        },
        {
          eventType: "user.session.start",
          actor: "jane@company.com",
          outcome: "FAILURE",
          reason: "INVALID_CREDENTIALS",
          country: "Brazil",
          city: "Sao Paulo",
          published: "-1h",
        },
      ],
    });
  const actors = (body: unknown) =>
    (body as { actor: { alternateId: string } }[]).map((e) => e.actor.alternateId);

  it.each([
    ['outcome.result eq "FAILURE"', ["ivan@company.com", "jane@company.com"]],
    [
      'outcome.result eq "FAILURE" and client.geographicalContext.country ne "United States"',
      ["ivan@company.com", "jane@company.com"],
    ],
    ['client.geographicalContext.country eq "Russia"', ["ivan@company.com"]],
    ['actor.alternateId sw "jane"', ["jane@company.com", "jane@company.com"]],
    ['target.alternateId eq "ivan@company.com"', ["ivan@company.com"]],
    ['eventType ew ".start" and outcome.reason pr', ["ivan@company.com", "jane@company.com"]],
  ])("filter=%s", async (expression, expected) => {
    const { call } = logs();
    const response = await call("GET", `/api/v1/logs?filter=${encodeURIComponent(expression)}`);
    expect(response.status).toBe(200);
    expect(actors(response.body)).toEqual(expected);
  });

  it("q matches every keyword, case-insensitively", async () => {
    const { call } = logs();
    expect(actors((await call("GET", "/api/v1/logs?q=moscow failure")).body)).toEqual(["ivan@company.com"]);
    expect(actors((await call("GET", "/api/v1/logs?q=moscow brazil")).body)).toEqual([]);
  });

  it("a bad log filter is 400 E0000053 naming the problem; published is not filterable", async () => {
    const { call } = logs();
    for (const expression of ['eventType eqq "x"', 'published gt "2026-01-01T00:00:00Z"']) {
      const response = await call("GET", `/api/v1/logs?filter=${encodeURIComponent(expression)}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        errorCode: "E0000053",
        errorCauses: [{ errorSummary: expect.any(String) }],
      });
    }
  });
});
