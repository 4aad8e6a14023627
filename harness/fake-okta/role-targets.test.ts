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
    // Any OIN key is one (the fake has no catalogue); a malformed one is not.
    expect((await call("PUT", `${base}/facebook`)).status).toBe(204);
    expect((await call("PUT", `${base}/No Such App`)).status).toBe(404);
    expect((await call("DELETE", `${base}/facebook`)).status).toBe(204);
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

describe("roles held by a group", () => {
  const groups = {
    groups: [{ name: "Help Desk" }, { name: "Contractors" }],
    users: [{ login: "hd@company.com", firstName: "H", lastName: "D", groups: ["Help Desk"] }],
  };

  it("assign (201, GROUP), list, get, target, unassign; a duplicate is 409, Everyone refuses, the log says group", async () => {
    const { call, state } = testApp(groups);
    const helpDesk = state.org.groupByName("Help Desk");
    const contractors = state.org.groupByName("Contractors");
    const base = `/api/v1/groups/${helpDesk?.id}/roles`;
    const created = await call("POST", base, { type: "HELP_DESK_ADMIN" });
    expect(created.status).toBe(201);
    const role = created.body as {
      id: string;
      assignmentType: string;
      _links: { assignee: { href: string } };
    };
    expect(role.assignmentType).toBe("GROUP");
    expect(role._links.assignee.href).toMatch(new RegExp(`/api/v1/groups/${helpDesk?.id}$`));
    expect((await call("POST", base, { type: "HELP_DESK_ADMIN" })).body).toMatchObject({
      errorCode: "E0000090",
    });
    expect(((await call("GET", base)).body as { id: string }[]).map((r) => r.id)).toEqual([role.id]);
    expect(((await call("GET", `${base}/${role.id}`)).body as { type: string }).type).toBe("HELP_DESK_ADMIN");
    expect((await call("PUT", `${base}/${role.id}/targets/groups/${contractors?.id}`)).status).toBe(204);
    const targets = (await call("GET", `${base}/${role.id}/targets/groups`)).body as {
      profile: { name: string };
    }[];
    expect(targets.map((g) => g.profile.name)).toEqual(["Contractors"]);
    const grants = state.org.logs.filter((e) => e.eventType === "group.privilege.grant");
    expect(grants.map((e) => e.displayMessage)).toEqual([
      "Grant group privilege Help Desk administrator",
      "Add group target to Help Desk administrator",
    ]);
    // The user's own list is the user's own assignments.
    expect((await call("GET", `/api/v1/users/${state.org.getUser("hd@company.com").id}/roles`)).body).toEqual(
      [],
    );
    const everyone = state.org.groupByName("Everyone");
    expect((await call("POST", `/api/v1/groups/${everyone?.id}/roles`, { type: "USER_ADMIN" })).status).toBe(
      400,
    );
    expect((await call("DELETE", `${base}/${role.id}`)).status).toBe(204);
    expect((await call("GET", `${base}/${role.id}`)).status).toBe(404);
  });

  it("a deleted group takes its roles along, and leaves other roles' targets", async () => {
    const { call, state } = testApp(groups);
    const helpDesk = state.org.groupByName("Help Desk");
    const contractors = state.org.groupByName("Contractors");
    const role = (await call("POST", `/api/v1/groups/${contractors?.id}/roles`, { type: "USER_ADMIN" }))
      .body as {
      id: string;
    };
    await call("PUT", `/api/v1/groups/${contractors?.id}/roles/${role.id}/targets/groups/${helpDesk?.id}`);
    const other = (await call("POST", `/api/v1/groups/${helpDesk?.id}/roles`, { type: "USER_ADMIN" }))
      .body as {
      id: string;
    };
    await call("PUT", `/api/v1/groups/${helpDesk?.id}/roles/${other.id}/targets/groups/${contractors?.id}`);
    expect((await call("DELETE", `/api/v1/groups/${contractors?.id}`)).status).toBe(204);
    expect(state.org.groupRoles(contractors?.id as string)).toEqual([]);
    expect(state.org.groupRoles(helpDesk?.id as string)[0]?.groupTargets).toEqual([]);
  });
});

describe("roles held by an OAuth 2.0 client, and role targets as ORNs", () => {
  const org = {
    groups: [{ name: "Contractors" }],
    users: [{ login: "aa@company.com", firstName: "A", lastName: "A", roles: ["APP_ADMIN" as const] }],
    apps: [{ label: "Slack" }],
  };
  const oidc = {
    name: "oidc_client",
    label: "Service",
    signOnMode: "OPENID_CONNECT",
    credentials: { oauthClient: { token_endpoint_auth_method: "client_secret_basic" } },
    settings: { oauthClient: { grant_types: ["client_credentials"] } },
  };

  it("a client's roles sit under /oauth2/v1/clients, behind the same token as the API", async () => {
    const { call, app } = testApp(org);
    const client = (await call("POST", "/api/v1/apps", oidc)).body as { id: string };
    const base = `/oauth2/v1/clients/${client.id}/roles`;
    const anonymous = await app.inject({ method: "GET", url: base });
    expect(anonymous.statusCode).toBe(401);
    const role = await call("POST", base, { type: "APP_ADMIN" });
    expect(role.body).toMatchObject({ assignmentType: "CLIENT", type: "APP_ADMIN" });
    const id = (role.body as { id: string }).id;
    expect((await call("PUT", `${base}/${id}/targets/catalog/apps/facebook`)).status).toBe(204);
    expect(
      ((await call("GET", `${base}/${id}/targets/catalog/apps`)).body as { name: string }[]).map(
        (a) => a.name,
      ),
    ).toEqual(["facebook"]);
    // A SAML app is no OAuth 2.0 client.
    const saml = (await call("GET", "/api/v1/apps?q=Slack")).body as { id: string }[];
    expect((await call("GET", `/oauth2/v1/clients/${saml[0]?.id}/roles`)).status).toBe(404);
    // The client's roles go with the app.
    await call("POST", `/api/v1/apps/${client.id}/lifecycle/deactivate`);
    await call("DELETE", `/api/v1/apps/${client.id}`);
    expect((await call("GET", base)).status).toBe(404);
  });

  it("a role's targets read as ORNs under the org's id and the configured partition", async () => {
    for (const partition of ["okta", "oktapreview"] as const) {
      const { call, state } = testApp(org, { ornPartition: partition });
      const settings = (await call("GET", "/api/v1/org")).body as { id: string };
      expect(settings.id).toMatch(/^00o\w{17}$/);
      const user = state.org.getUser("aa@company.com");
      const [role] = state.org.roles(user.id);
      const base = `/api/v1/users/${user.id}/roles/${role?.id}/targets`;
      await call("PUT", `${base}/catalog/apps/github`);
      await call("PUT", `${base}/catalog/apps/google`);
      expect((await call("GET", `${base}?assignmentType=USER`)).body).toEqual([
        { assignmentType: "USER", orn: `orn:${partition}:idp:${settings.id}:apps:github` },
        { assignmentType: "USER", orn: `orn:${partition}:idp:${settings.id}:apps:google` },
      ]);
      expect((await call("GET", `${base}?assignmentType=GROUP`)).status).toBe(404);
      expect((await call("GET", `${base}?assignmentType=CLIENT`)).status).toBe(400);
    }
  });
});

describe("custom roles over resource sets", () => {
  const org = { users: [{ login: "cr@company.com", firstName: "C", lastName: "R" }] };

  it("a CUSTOM assignment names a custom role and a resource set; neither goes while assigned", async () => {
    const { call, state } = testApp(org);
    const role = await call("POST", "/api/v1/iam/roles", {
      label: "Viewer",
      description: "reads users",
      permissions: ["okta.users.read", "okta.groups.read"],
    });
    expect(role.status).toBe(200);
    const badPermission = await call("POST", "/api/v1/iam/roles", {
      label: "Bad",
      description: "d",
      permissions: ["users.read"],
    });
    expect(JSON.stringify(badPermission.body)).toContain("'users.read' is not Okta permission");
    const set = await call("POST", "/api/v1/iam/resource-sets", {
      label: "All users",
      description: "d",
      resources: ["https://acme.okta.test/api/v1/users"],
    });
    expect(set.status).toBe(200);
    const [roleId, setId] = [(role.body as { id: string }).id, (set.body as { id: string }).id];
    expect(roleId).toMatch(/^cr0/);
    const user = state.org.getUser("cr@company.com");
    const base = `/api/v1/users/${user.id}/roles`;
    // A CUSTOM role names both; a standard one names neither.
    expect((await call("POST", base, { type: "CUSTOM", role: roleId })).status).toBe(400);
    expect((await call("POST", base, { type: "USER_ADMIN", role: roleId })).status).toBe(400);
    expect(
      (await call("POST", base, { type: "CUSTOM", role: "cr0nope", "resource-set": setId })).status,
    ).toBe(404);
    const assigned = await call("POST", base, { type: "CUSTOM", role: roleId, "resource-set": setId });
    expect(assigned.body).toMatchObject({
      type: "CUSTOM",
      label: "Viewer",
      role: roleId,
      "resource-set": setId,
    });
    expect((await call("POST", base, { type: "CUSTOM", role: roleId, "resource-set": setId })).status).toBe(
      409,
    );
    expect((await call("GET", "/api/v1/iam/roles/Viewer")).body).toMatchObject({ id: roleId });
    expect((await call("DELETE", `/api/v1/iam/roles/${roleId}`)).status).toBe(400);
    expect((await call("DELETE", `/api/v1/iam/resource-sets/${setId}`)).status).toBe(400);
    await call("DELETE", `${base}/${(assigned.body as { id: string }).id}`);
    expect((await call("DELETE", `/api/v1/iam/roles/${roleId}`)).status).toBe(204);
    expect((await call("DELETE", `/api/v1/iam/resource-sets/${setId}`)).status).toBe(204);
    expect((await call("GET", "/api/v1/iam/roles")).body).toEqual({ roles: [] });
  });
});
