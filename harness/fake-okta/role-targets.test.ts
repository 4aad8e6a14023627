import { describe, expect, it } from "vitest";
import { testApp } from "./test-helpers.js";

/** Role targets (issue #11): narrow a help-desk admin to some groups; roles without targets refuse. */
const fixture = {
  groups: [{ name: "Contractors" }, { name: "Engineering" }],
  users: [
    {
      login: "hd@company.com",
      firstName: "H",
      lastName: "D",
      roles: ["HELP_DESK_ADMIN" as const, "SUPER_ADMIN" as const],
    },
  ],
};

describe("group targets of an admin role", () => {
  it("PUT adds a group (204), GET lists it, DELETE removes one of two (204), never the last (400)", async () => {
    const { call, state } = testApp(fixture);
    const user = state.org.getUser("hd@company.com");
    const helpDesk = state.org.roles(user.id).find((r) => r.type === "HELP_DESK_ADMIN");
    const contractors = state.org.groupByName("Contractors");
    const engineering = state.org.groupByName("Engineering");
    const base = `/api/v1/users/${user.id}/roles/${helpDesk?.id}/targets/groups`;
    expect((await call("GET", base)).body).toEqual([]);
    expect((await call("PUT", `${base}/${contractors?.id}`)).status).toBe(204);
    // Adding it again changes nothing.
    expect((await call("PUT", `${base}/${contractors?.id}`)).status).toBe(204);
    expect((await call("PUT", `${base}/${engineering?.id}`)).status).toBe(204);
    const listed = (await call("GET", base)).body as { id: string; profile: { name: string } }[];
    expect(listed.map((g) => g.profile.name)).toEqual(["Contractors", "Engineering"]);
    expect((await call("DELETE", `${base}/${contractors?.id}`)).status).toBe(204);
    expect((await call("DELETE", `${base}/${contractors?.id}`)).status).toBe(404);
    // The spec: "You can't remove the last group target from a role assignment".
    const last = await call("DELETE", `${base}/${engineering?.id}`);
    expect(last.status).toBe(400);
    expect(last.body).toMatchObject({ errorCode: "E0000001" });
    expect(JSON.stringify(last.body)).toContain("last group target");
    expect(helpDesk?.groupTargets).toEqual([engineering?.id]);
  });

  it("a role that takes no targets (SUPER_ADMIN) is refused with Okta's validation error", async () => {
    const { call, state } = testApp(fixture);
    const user = state.org.getUser("hd@company.com");
    const superAdmin = state.org.roles(user.id).find((r) => r.type === "SUPER_ADMIN");
    const engineering = state.org.groupByName("Engineering");
    const response = await call(
      "PUT",
      `/api/v1/users/${user.id}/roles/${superAdmin?.id}/targets/groups/${engineering?.id}`,
    );
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ errorCode: "E0000001" });
    expect(JSON.stringify(response.body)).toContain("SUPER_ADMIN");
  });

  it("deleting a group removes it from every role's targets", async () => {
    const { call, state } = testApp(fixture);
    const user = state.org.getUser("hd@company.com");
    const helpDesk = state.org.roles(user.id).find((r) => r.type === "HELP_DESK_ADMIN");
    const contractors = state.org.groupByName("Contractors");
    await call("PUT", `/api/v1/users/${user.id}/roles/${helpDesk?.id}/targets/groups/${contractors?.id}`);
    expect((await call("DELETE", `/api/v1/groups/${contractors?.id}`)).status).toBe(204);
    expect(helpDesk?.groupTargets).toEqual([]);
  });
});

describe("app targets of an APP_ADMIN role", () => {
  const appAdmin = {
    groups: [{ name: "Engineering" }],
    users: [
      {
        login: "aa@company.com",
        firstName: "A",
        lastName: "A",
        roles: ["APP_ADMIN" as const, "USER_ADMIN" as const],
      },
    ],
    generate: { users: 3 },
  };

  it("an app whole or one instance; a whole app overrides its instances; never the last; gone with the app", async () => {
    const { call, state } = testApp(appAdmin);
    const user = state.org.getUser("aa@company.com");
    const role = state.org.roles(user.id).find((r) => r.type === "APP_ADMIN");
    const base = `/api/v1/users/${user.id}/roles/${role?.id}/targets/catalog/apps`;
    const [aws, slack] = ["amazon_aws", "slack"].map((name) =>
      state.org.apps.apps.find((a) => a.name === name),
    );
    expect((await call("GET", base)).body).toEqual([]);
    expect((await call("PUT", `${base}/amazon_aws/${aws?.id}`)).status).toBe(204);
    expect((await call("PUT", `${base}/slack`)).status).toBe(204);
    const listed = (await call("GET", base)).body as { id?: string; name: string; displayName: string }[];
    expect(listed.map(({ id, name, displayName }) => ({ id, name, displayName }))).toEqual([
      { id: aws?.id, name: "amazon_aws", displayName: "AWS" },
      { id: undefined, name: "slack", displayName: "slack" },
    ]);
    // The spec: a whole app replaces its instance targets, and no instance goes under a whole app.
    expect((await call("PUT", `${base}/amazon_aws`)).status).toBe(204);
    expect(role?.appTargets).toEqual([{ name: "slack" }, { name: "amazon_aws" }]);
    expect((await call("PUT", `${base}/amazon_aws/${aws?.id}`)).status).toBe(400);
    expect((await call("PUT", `${base}/no_such_app`)).status).toBe(404);
    expect((await call("PUT", `${base}/slack/${aws?.id}`)).status).toBe(404);
    expect((await call("DELETE", `${base}/slack`)).status).toBe(204);
    const last = await call("DELETE", `${base}/amazon_aws`);
    expect([last.status, JSON.stringify(last.body).includes("last app target")]).toEqual([400, true]);
    expect(role?.appTargets).toEqual([{ name: "amazon_aws" }]);
    // An instance target goes with its app.
    await call("PUT", `${base}`);
    expect(role?.appTargets).toEqual([]);
    await call("PUT", `${base}/slack/${slack?.id}`);
    await call("POST", `/api/v1/apps/${slack?.id}/lifecycle/deactivate`);
    expect((await call("DELETE", `/api/v1/apps/${slack?.id}`)).status).toBe(204);
    expect(role?.appTargets).toEqual([]);
  });

  it("only APP_ADMIN takes app targets; other roles list none", async () => {
    const { call, state } = testApp(appAdmin);
    const user = state.org.getUser("aa@company.com");
    const userAdmin = state.org.roles(user.id).find((r) => r.type === "USER_ADMIN");
    const base = `/api/v1/users/${user.id}/roles/${userAdmin?.id}/targets/catalog/apps`;
    expect((await call("GET", base)).body).toEqual([]);
    const refused = await call("PUT", `${base}/slack`);
    expect([refused.status, JSON.stringify(refused.body).includes("only APP_ADMIN")]).toEqual([400, true]);
    expect(userAdmin?.appTargets).toEqual([]);
  });
});
