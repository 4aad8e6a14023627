import { describe, expect, it } from "vitest";
import { buildOrg } from "./seed.js";
import { testApp } from "./test-helpers.js";

/** Applications and assignments (issue #11): who can reach an app, directly or through a group. */
const fixture = {
  seed: 5,
  groups: [{ name: "Engineering" }],
  users: [
    { login: "eng@company.com", firstName: "E", lastName: "N", groups: ["Engineering"] },
    { login: "solo@company.com", firstName: "S", lastName: "O" },
  ],
};

describe("application lists page as Okta's spec says", () => {
  const big = { seed: 8, generate: { users: 120, groups: 12, logs: 0 } };
  const follow = async (call: ReturnType<typeof testApp>["call"], first: string) => {
    const pages: number[] = [];
    let url: string | undefined = first;
    while (url) {
      const response = await call("GET", url);
      pages.push((response.body as unknown[]).length);
      const next = /<([^>]+)>; rel="next"/.exec(String(response.headers.link ?? ""))?.[1];
      url = next ? new URL(next).pathname + new URL(next).search : undefined;
    }
    return pages;
  };

  it("GET /apps?limit=2 pages two at a time with a next link (default: all, at most 200)", async () => {
    const { call, state } = testApp(big);
    const total = state.org.apps.apps.length;
    expect(await follow(call, "/api/v1/apps")).toEqual([total]);
    const pages = await follow(call, "/api/v1/apps?limit=2");
    expect(pages.reduce((a, b) => a + b, 0)).toBe(total);
    expect(pages.slice(0, -1).every((n) => n === 2)).toBe(true);
  });

  it("an app's users: 50 a page by default, `limit` honoured, every user once across the pages", async () => {
    const { call, state } = testApp(big);
    const org = state.org;
    const everyone = org.groupByName("Everyone");
    const slack = org.apps.byLabel("Slack");
    await call("PUT", `/api/v1/apps/${slack?.id}/groups/${everyone?.id}`);
    const members = org.members(everyone?.id ?? "").length;
    expect(members).toBeGreaterThan(100);
    // By hand: 120 generated users (less those not in Everyone) at 50 a page.
    const byDefault = await follow(call, `/api/v1/apps/${slack?.id}/users`);
    expect(byDefault.slice(0, -1)).toEqual(Array(byDefault.length - 1).fill(50));
    expect(byDefault.reduce((a, b) => a + b, 0)).toBe(members);
    const five = await follow(call, `/api/v1/apps/${slack?.id}/users?limit=5`);
    expect(five).toHaveLength(Math.ceil(members / 5));
    const ids = new Set<string>();
    let url: string | undefined = `/api/v1/apps/${slack?.id}/users?limit=7`;
    while (url) {
      const response = await call("GET", url);
      for (const user of response.body as { id: string }[]) ids.add(user.id);
      const next = /<([^>]+)>; rel="next"/.exec(String(response.headers.link ?? ""))?.[1];
      url = next ? new URL(next).pathname + new URL(next).search : undefined;
    }
    expect(ids.size).toBe(members);
  });
});

describe("one app-group assignment (GET, as Okta serves it)", () => {
  it("an assigned group answers 200 with its assignment; one that is not, 404 E0000007", async () => {
    const { call, state } = testApp(fixture);
    const slack = state.org.apps.byLabel("Slack");
    const engineering = state.org.groupByName("Engineering");
    await call("DELETE", `/api/v1/apps/${slack?.id}/groups/${engineering?.id}`);
    const absent = await call("GET", `/api/v1/apps/${slack?.id}/groups/${engineering?.id}`);
    expect(absent.status).toBe(404);
    expect(absent.body).toMatchObject({ errorCode: "E0000007" });
    await call("PUT", `/api/v1/apps/${slack?.id}/groups/${engineering?.id}`);
    const present = await call("GET", `/api/v1/apps/${slack?.id}/groups/${engineering?.id}`);
    expect(present.status).toBe(200);
    expect(present.body).toMatchObject({ id: engineering?.id, priority: 0 });
  });
});

describe("applications", () => {
  it("a seeded catalogue of common apps; filter by status and q by label", async () => {
    const { call } = testApp(fixture);
    const all = (await call("GET", "/api/v1/apps")).body as { label: string; status: string }[];
    expect(all.map((a) => a.label)).toEqual(
      expect.arrayContaining(["AWS", "Salesforce", "GitHub Enterprise", "Slack", "Google Workspace"]),
    );
    const aws = (await call("GET", "/api/v1/apps?q=aw")).body as { label: string }[];
    expect(aws.map((a) => a.label)).toEqual(["AWS"]);
    const active = (await call("GET", '/api/v1/apps?filter=status%20eq%20"ACTIVE"')).body as unknown[];
    expect(active).toHaveLength(all.length);
    expect((await call("GET", "/api/v1/apps?filter=label%20eq%20%22x%22")).status).toBe(400);
    // The spec's filter fields: name and id as well as status.
    const named = all[0] as { label: string; name?: string; id?: string };
    const byName = (await call("GET", `/api/v1/apps?filter=${encodeURIComponent(`name eq "${named.name}"`)}`))
      .body as { name: string }[];
    expect(byName.map((a) => a.name)).toEqual(
      all.filter((a) => (a as typeof named).name === named.name).map((a) => (a as typeof named).name),
    );
    const byId = (await call("GET", `/api/v1/apps?filter=${encodeURIComponent(`id eq "${named.id}"`)}`))
      .body as {
      id: string;
    }[];
    expect(byId.map((a) => a.id)).toEqual([named.id]);
  });

  it("access through a group and directly: app users carry their scope; appLinks lists both", async () => {
    const { call, state } = testApp(fixture);
    const org = state.org;
    const slack = org.apps.byLabel("Slack");
    const engineering = org.groupByName("Engineering");
    const eng = org.getUser("eng@company.com");
    const solo = org.getUser("solo@company.com");
    expect((await call("PUT", `/api/v1/apps/${slack?.id}/groups/${engineering?.id}`)).status).toBe(200);
    expect(
      (await call("POST", `/api/v1/apps/${slack?.id}/users`, { id: solo.id, scope: "USER" })).status,
    ).toBe(200);
    const users = (await call("GET", `/api/v1/apps/${slack?.id}/users`)).body as {
      id: string;
      scope: string;
    }[];
    expect(users).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: eng.id, scope: "GROUP" }),
        expect.objectContaining({ id: solo.id, scope: "USER" }),
      ]),
    );
    const links = (await call("GET", `/api/v1/users/${eng.id}/appLinks`)).body as { label: string }[];
    expect(links.map((l) => l.label)).toContain("Slack");
  });

  it("removing a direct assignment works; access through a group must be removed at the group (403)", async () => {
    const { call, state } = testApp(fixture);
    const org = state.org;
    const aws = org.apps.byLabel("AWS");
    const engineering = org.groupByName("Engineering");
    const eng = org.getUser("eng@company.com");
    const solo = org.getUser("solo@company.com");
    await call("PUT", `/api/v1/apps/${aws?.id}/groups/${engineering?.id}`);
    await call("POST", `/api/v1/apps/${aws?.id}/users`, { id: solo.id });
    expect((await call("DELETE", `/api/v1/apps/${aws?.id}/users/${solo.id}`)).status).toBe(204);
    const viaGroup = await call("DELETE", `/api/v1/apps/${aws?.id}/users/${eng.id}`);
    expect(viaGroup.status).toBe(403);
    expect(viaGroup.body).toMatchObject({ errorCode: "E0000006" });
    expect((await call("DELETE", `/api/v1/apps/${aws?.id}/groups/${engineering?.id}`)).status).toBe(204);
    expect((await call("GET", `/api/v1/apps/${aws?.id}/users/${eng.id}`)).status).toBe(404);
  });

  it("an INACTIVE app takes no new assignments; activate brings it back; an unknown app is 404 E0000007", async () => {
    const { call, state } = testApp(fixture);
    const zoom = state.org.apps.byLabel("Zoom");
    const solo = state.org.getUser("solo@company.com");
    expect((await call("POST", `/api/v1/apps/${zoom?.id}/lifecycle/deactivate`)).status).toBe(200);
    const refused = await call("POST", `/api/v1/apps/${zoom?.id}/users`, { id: solo.id });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errorCode: "E0000001" });
    await call("POST", `/api/v1/apps/${zoom?.id}/lifecycle/activate`);
    expect((await call("POST", `/api/v1/apps/${zoom?.id}/users`, { id: solo.id })).status).toBe(200);
    const unknown = await call("GET", "/api/v1/apps/0oanothere00000000000");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ errorCode: "E0000007" });
  });

  it("the seed assigns every app to someone, the same way every time", () => {
    const seeded = { seed: 42, now: "2026-11-28T12:00:00Z", generate: { users: 200, logs: 0 } };
    const reach = (org: ReturnType<typeof buildOrg>) =>
      org.apps.apps.map((a) =>
        [...org.apps.usersOf(a, (g) => org.members(g).map((u) => u.id)).keys()].sort(),
      );
    const a = buildOrg(seeded);
    expect(reach(a)).toEqual(reach(buildOrg(seeded)));
    expect(reach(a).every((users) => users.length > 0)).toBe(true);
  });
});

describe("fixtures name apps by label", () => {
  it("a user's apps become direct assignments; an unknown label is refused by field", () => {
    const org = buildOrg({
      seed: 1,
      users: [{ login: "a@company.com", firstName: "A", lastName: "B", apps: ["AWS"] }],
    });
    const aws = org.apps.byLabel("AWS");
    expect(aws && org.apps.directUser(aws, org.getUser("a@company.com").id)).toBeTruthy();
    expect(() =>
      buildOrg({
        seed: 1,
        users: [{ login: "a@company.com", firstName: "A", lastName: "B", apps: ["Nope"] }],
      }),
    ).toThrow(/users\[0\].*apps: no app labelled 'Nope'/);
  });
});
