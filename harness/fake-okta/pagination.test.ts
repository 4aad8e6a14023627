import { describe, expect, it } from "vitest";
import { testApp } from "./test-helpers.js";

function usersFixture(count: number) {
  return {
    users: Array.from({ length: count }, (_, i) => ({
      login: `user${String(i).padStart(3, "0")}@company.com`,
      firstName: "User",
      lastName: String(i),
    })),
  };
}

function parseLinks(header: string | string[] | number | undefined): Record<string, string> {
  const lines = Array.isArray(header) ? header : [String(header ?? "")];
  const links: Record<string, string> = {};
  for (const line of lines) {
    const match = /^<([^>]+)>; rel="(\w+)"$/.exec(line);
    if (!match?.[1] || !match[2]) throw new Error(`not an RFC 8288 link line: ${line}`);
    links[match[2]] = match[1];
  }
  return links;
}

/** Follows `rel="next"` to the end, as the Okta SDK does; returns the pages' sizes. */
async function walk(call: ReturnType<typeof testApp>["call"], firstUrl: string, host = "okta.example.test") {
  const sizes: number[] = [];
  const logins: string[] = [];
  let url: string | undefined = firstUrl;
  while (url) {
    const response = await call("GET", url, undefined, { host });
    expect(response.status).toBe(200);
    const page = response.body as { profile: { login: string } }[];
    sizes.push(page.length);
    logins.push(...page.map((u) => u.profile.login));
    const links = parseLinks(response.headers.link);
    expect(links.self?.startsWith(`http://${host}/api/v1/`)).toBe(true);
    url = links.next ? new URL(links.next).pathname + new URL(links.next).search : undefined;
    if (sizes.length > 100) throw new Error("endless pagination");
  }
  return { sizes, logins };
}

describe("pagination", () => {
  it("Link headers are absolute, built from the request's origin, as two separate lines", async () => {
    const { call } = testApp(usersFixture(3));
    const response = await call("GET", "/api/v1/users?limit=2", undefined, { host: "acme.okta.test:8443" });
    expect(response.headers.link).toEqual([
      '<http://acme.okta.test:8443/api/v1/users?limit=2>; rel="self"',
      expect.stringMatching(
        /^<http:\/\/acme\.okta\.test:8443\/api\/v1\/users\?after=[\w-]+&limit=2>; rel="next"$/,
      ),
    ]);
  });

  it("the self link echoes the applied default limit", async () => {
    const { call } = testApp(usersFixture(1));
    const links = parseLinks((await call("GET", "/api/v1/users")).headers.link);
    expect(links.self).toMatch(/\/api\/v1\/users\?limit=200$/);
  });

  it("an exact multiple of the page size ends without an empty last page", async () => {
    const { call } = testApp(usersFixture(6));
    const { sizes, logins } = await walk(call, "/api/v1/users?limit=3");
    expect(sizes).toEqual([3, 3]);
    expect(new Set(logins).size).toBe(6);
  });

  it("a remainder gives a short last page, and every user appears once", async () => {
    const { call } = testApp(usersFixture(7));
    const { sizes, logins } = await walk(call, "/api/v1/users?limit=3");
    expect(sizes).toEqual([3, 3, 1]);
    expect(new Set(logins).size).toBe(7);
  });

  it("an empty result has a self link and no next", async () => {
    const { call } = testApp(usersFixture(2));
    const response = await call("GET", '/api/v1/users?filter=status eq "SUSPENDED"');
    expect(response.body).toEqual([]);
    expect(Object.keys(parseLinks(response.headers.link))).toEqual(["self"]);
  });

  it("limit above the maximum is capped at 200; limit=0 is an empty page", async () => {
    const { call } = testApp(usersFixture(230));
    const big = await call("GET", "/api/v1/users?limit=5000");
    expect((big.body as unknown[]).length).toBe(200);
    expect(parseLinks(big.headers.link).self).toContain("limit=200");
    const none = await call("GET", "/api/v1/users?limit=0");
    expect(none.status).toBe(200);
    expect(none.body).toEqual([]);
  });

  it("a stale cursor (its user deleted since) resumes after that position", async () => {
    const { call, state } = testApp(usersFixture(5));
    const first = await call("GET", "/api/v1/users?limit=2");
    const next = parseLinks(first.headers.link).next ?? "";
    // Delete the last user of the first page twice (deactivate, then delete).
    const lastOfPage = (first.body as { id: string }[])[1]?.id ?? "";
    await call("DELETE", `/api/v1/users/${lastOfPage}`);
    await call("DELETE", `/api/v1/users/${lastOfPage}`);
    expect(state.org.findUser(lastOfPage)).toBeUndefined();
    const second = await call("GET", new URL(next).pathname + new URL(next).search);
    expect((second.body as { profile: { login: string } }[]).map((u) => u.profile.login)).toEqual([
      "user002@company.com",
      "user003@company.com",
    ]);
  });

  it("a cursor the server never issued is 400 E0000029", async () => {
    const { call } = testApp(usersFixture(2));
    const response = await call("GET", "/api/v1/users?after=not-a-cursor");
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ errorCode: "E0000029", errorSummary: "Invalid paging request." });
  });

  it("group members page with a default of 1000", async () => {
    const { call, state } = testApp({
      groups: [{ name: "Big" }],
      users: usersFixture(5).users.map((u) => ({ ...u, groups: ["Big"] })),
    });
    const group = state.org.groupByName("Big");
    const { sizes } = await walk(call, `/api/v1/groups/${group?.id}/users?limit=2`);
    expect(sizes).toEqual([2, 2, 1]);
    const all = await call("GET", `/api/v1/groups/${group?.id}/users`);
    expect(parseLinks(all.headers.link).self).toContain("limit=1000");
  });
});

describe("System Log pagination", () => {
  const logsFixture = {
    users: [{ login: "jane@company.com", firstName: "Jane", lastName: "Doe" }],
    logs: Array.from({ length: 5 }, (_, i) => ({
      eventType: "user.session.start",
      actor: "jane@company.com",
      published: `-${5 - i}h`,
    })),
  };

  it("a polling query (no until) always has a next link, even on an empty page, and sees new events", async () => {
    const { call, state, clock } = testApp(logsFixture);
    let url = "/api/v1/logs?limit=2";
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await call("GET", url);
      sizes.push((response.body as unknown[]).length);
      const next = parseLinks(response.headers.link).next;
      expect(next).toBeDefined();
      url = new URL(next ?? "").pathname + new URL(next ?? "").search;
    }
    expect(sizes).toEqual([2, 2, 1, 0, 0]);
    // A new event shows up on the next poll of the same cursor.
    clock.advance(1000);
    await call("POST", "/api/v1/users/jane@company.com/lifecycle/suspend");
    const polled = await call("GET", url);
    expect((polled.body as { eventType: string }[]).map((e) => e.eventType)).toEqual([
      "user.lifecycle.suspend",
    ]);
    expect(state.org.logs.length).toBe(6);
  });

  it("a bounded query (since and until) ends without a next link", async () => {
    const { call } = testApp(logsFixture);
    const since = "2026-11-28T00:00:00.000Z";
    const until = "2026-11-28T12:00:00.000Z";
    const first = await call("GET", `/api/v1/logs?since=${since}&until=${until}&limit=3`);
    const next = parseLinks(first.headers.link).next ?? "";
    const second = await call("GET", new URL(next).pathname + new URL(next).search);
    expect((second.body as unknown[]).length).toBe(2);
    expect(parseLinks(second.headers.link).next).toBeUndefined();
  });

  it("DESCENDING returns newest first; since and after together are refused", async () => {
    const { call } = testApp(logsFixture);
    const desc = (await call("GET", "/api/v1/logs?sortOrder=DESCENDING&limit=5")).body as {
      published: string;
    }[];
    const times = desc.map((e) => e.published);
    expect([...times].sort().reverse()).toEqual(times);
    const both = await call("GET", "/api/v1/logs?since=2026-11-27T00:00:00Z&after=1_1");
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({ errorCode: "E0000001" });
    const badDate = await call("GET", "/api/v1/logs?until=yesterday");
    expect(badDate.body).toMatchObject({
      errorCode: "E0000001",
      errorSummary: expect.stringContaining("'until'"),
    });
  });
});

/**
 * Every list's default page, against the reference (okta-api.md §2): "`limit` defaults to 200"
 * (users), "groups?limit=10000" in the self link (groups), "limit defaults to **1000**" (group
 * members), "`limit`: 0–1000, default 100" (System Log), and "`q` … has **no pagination**, and
 * **`limit` defaults to 10**" (user search by q).
 */
describe("default page sizes are the reference's", () => {
  const people = Array.from({ length: 1005 }, (_, i) => ({
    login: `user${String(i).padStart(4, "0")}@company.com`,
    firstName: "User",
    lastName: String(i),
    groups: ["Big"],
  }));
  const { call, state } = testApp({
    groups: [{ name: "Big" }],
    users: people,
    logs: Array.from({ length: 105 }, (_, i) => ({
      eventType: "user.session.start",
      actor: "user0000@company.com",
      published: `-${i + 1}m`,
    })),
  });
  const bigGroup = () => state.org.groupByName("Big")?.id;

  it.each([
    ["users", () => "/api/v1/users", 200, true],
    ["groups", () => "/api/v1/groups", 2, false],
    ["group members", () => `/api/v1/groups/${bigGroup()}/users`, 1000, true],
    [
      "System Log (bounded)",
      () => "/api/v1/logs?since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z",
      100,
      true,
    ],
    ["users by q (no pagination)", () => "/api/v1/users?q=User", 10, false],
  ])("%s: a page of %i", async (_name, path, size, hasNext) => {
    const response = await call("GET", path());
    expect((response.body as unknown[]).length).toBe(size);
    expect(parseLinks(response.headers.link).next !== undefined).toBe(hasNext);
  });

  it("the self links echo the defaults", async () => {
    const self = async (path: string) => parseLinks((await call("GET", path)).headers.link).self;
    expect(await self("/api/v1/groups")).toMatch(/limit=10000$/);
    expect(await self(`/api/v1/groups/${bigGroup()}/users`)).toMatch(/limit=1000$/);
  });
});
