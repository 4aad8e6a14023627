import { describe, expect, it } from "vitest";
import { JANE, testApp } from "./test-helpers.js";

const newUser = {
  profile: {
    login: "new.person@company.com",
    email: "new.person@company.com",
    firstName: "New",
    lastName: "Person",
  },
};

describe("bad input gets Okta's error body and changes nothing", () => {
  it("missing or wrong auth is 401 E0000011", async () => {
    const { call } = testApp(JANE);
    for (const authorization of ["", "SSWS wrong", "Bearer test-token-00000000000000000000"]) {
      const response = await call("GET", "/api/v1/users", undefined, { authorization });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ errorCode: "E0000011", errorSummary: "Invalid token provided" });
    }
  });

  it("unknown ids are 404 E0000007 naming the id and kind", async () => {
    const { call } = testApp(JANE);
    expect((await call("GET", "/api/v1/users/00unope")).body).toMatchObject({
      errorCode: "E0000007",
      errorSummary: "Not found: Resource not found: 00unope (User)",
      errorCauses: [],
    });
    expect((await call("POST", "/api/v1/users/00unope/lifecycle/suspend")).status).toBe(404);
    expect((await call("GET", "/api/v1/groups/00gnope")).body).toMatchObject({
      errorSummary: "Not found: Resource not found: 00gnope (UserGroup)",
    });
    expect((await call("PUT", "/api/v1/groups/00gnope/users/jane.doe@company.com")).status).toBe(404);
  });

  it("malformed JSON is 400 E0000003", async () => {
    const { call, state } = testApp(JANE);
    const before = state.org.users.length;
    const response = await call("POST", "/api/v1/users", '{"profile": {"login": ');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      errorCode: "E0000003",
      errorSummary: "The request body was not well-formed.",
    });
    expect(state.org.users.length).toBe(before);
  });

  it("unknown fields are refused, naming each", async () => {
    const { call, state } = testApp(JANE);
    const before = state.org.users.length;
    const topLevel = await call("POST", "/api/v1/users", { ...newUser, admin: true });
    expect(topLevel.status).toBe(400);
    expect(topLevel.body).toMatchObject({
      errorCode: "E0000001",
      errorCauses: [{ errorSummary: "admin: unknown property" }],
    });
    const inProfile = await call("POST", "/api/v1/users", { profile: { ...newUser.profile, shoeSize: 42 } });
    expect(inProfile.body).toMatchObject({
      errorCode: "E0000001",
      errorCauses: [{ errorSummary: "shoeSize: Property name 'shoeSize' is not defined in profile" }],
    });
    expect(state.org.users.length).toBe(before);
  });

  it("profile validation lists every problem", async () => {
    const { call } = testApp(JANE);
    const response = await call("POST", "/api/v1/users", {
      profile: { login: "not-an-email", email: "", firstName: "X" },
    });
    expect(response.status).toBe(400);
    expect(
      (response.body as { errorCauses: { errorSummary: string }[] }).errorCauses.map((c) => c.errorSummary),
    ).toEqual([
      "email: The field cannot be left blank",
      "lastName: The field cannot be left blank",
      "login: Username must be in the form of an email address",
    ]);
  });

  it("a duplicate login is refused", async () => {
    const { call } = testApp(JANE);
    const response = await call("POST", "/api/v1/users", {
      profile: { ...newUser.profile, login: "JANE.DOE@company.com" },
    });
    expect(response.body).toMatchObject({
      errorCode: "E0000001",
      errorCauses: [
        { errorSummary: "login: An object with this field already exists in the current organization" },
      ],
    });
  });

  it("bad limits, a duplicate role and an unknown role type", async () => {
    const { call } = testApp(JANE);
    expect((await call("GET", "/api/v1/users?limit=-3")).body).toMatchObject({ errorCode: "E0000001" });
    expect(
      (await call("POST", "/api/v1/users/jane.doe@company.com/roles", { type: "ORG_ADMIN" })).body,
    ).toMatchObject({
      errorCode: "E0000090",
    });
    expect(
      (await call("POST", "/api/v1/users/jane.doe@company.com/roles", { type: "GOD_MODE" })).body,
    ).toMatchObject({
      errorCode: "E0000001",
      errorCauses: [{ errorSummary: expect.stringContaining("'GOD_MODE' is not one of") }],
    });
  });

  it("membership of APP_GROUP and BUILT_IN groups cannot be changed", async () => {
    const { call, state } = testApp({
      ...JANE,
      groups: [...(JANE.groups ?? []), { name: "Salesforce Users", type: "APP_GROUP" }],
    });
    const app = state.org.groupByName("Salesforce Users");
    const everyone = state.org.groupByName("Everyone");
    for (const group of [app, everyone]) {
      const response = await call("DELETE", `/api/v1/groups/${group?.id}/users/jane.doe@company.com`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ errorCode: "E0000001" });
    }
    expect(
      state.org.groupsOf(state.org.getUser("jane.doe@company.com").id).map((g) => g.profile.name),
    ).toContain("Everyone");
  });

  it("unknown paths are 404 E0000008; tolerated: //api/v1 and bodyless POST with a JSON content type", async () => {
    const { call } = testApp(JANE);
    expect((await call("GET", "/api/v1/apps-that-do-not-exist")).body).toMatchObject({
      errorCode: "E0000008",
    });
    expect((await call("GET", "//api/v1/users?limit=1")).status).toBe(200);
    const bodyless = await call("POST", "/api/v1/users/jane.doe@company.com/lifecycle/suspend", undefined, {
      "content-type": "application/json",
    });
    expect(bodyless.status).toBe(200);
  });
});

describe("writes that succeed", () => {
  it("create (activate=false → STAGED, with a password → ACTIVE, without → PROVISIONED), update, groups, roles", async () => {
    const { call, state } = testApp(JANE);
    const staged = await call("POST", "/api/v1/users?activate=false", newUser);
    expect(staged.body).toMatchObject({ status: "STAGED", activated: null });
    const active = await call("POST", "/api/v1/users", {
      profile: { ...newUser.profile, login: "a2@company.com", email: "a2@company.com" },
      credentials: { password: { value: "correct horse" } },
    });
    expect(active.body).toMatchObject({ status: "ACTIVE" });
    const provisioned = await call("POST", "/api/v1/users", {
      profile: { ...newUser.profile, login: "a3@company.com", email: "a3@company.com" },
    });
    expect(provisioned.body).toMatchObject({ status: "PROVISIONED" });
    expect(JSON.stringify(active.body)).not.toContain("correct horse");

    const updated = await call("POST", "/api/v1/users/new.person@company.com", {
      profile: { title: "Engineer" },
    });
    expect(updated.body).toMatchObject({ profile: { title: "Engineer", firstName: "New" } });
    const replaced = await call("PUT", "/api/v1/users/new.person@company.com", {
      profile: { ...newUser.profile, lastName: "Renamed" },
    });
    expect((replaced.body as { profile: Record<string, unknown> }).profile.title).toBeUndefined();

    const group = await call("POST", "/api/v1/groups", {
      profile: { name: "Temp Access", description: "JIT" },
    });
    const groupId = (group.body as { id: string }).id;
    expect((await call("PUT", `/api/v1/groups/${groupId}/users/new.person@company.com`)).status).toBe(204);
    const groups = (await call("GET", "/api/v1/users/new.person@company.com/groups")).body as {
      profile: { name: string };
    }[];
    expect(groups.map((g) => g.profile.name)).toEqual(["Everyone", "Temp Access"]);
    expect((await call("DELETE", `/api/v1/groups/${groupId}/users/new.person@company.com`)).status).toBe(204);

    const role = await call("POST", "/api/v1/users/new.person@company.com/roles", {
      type: "HELP_DESK_ADMIN",
    });
    expect(role.status).toBe(201);
    expect(role.body).toMatchObject({
      type: "HELP_DESK_ADMIN",
      label: "Help Desk administrator",
      assignmentType: "USER",
    });
    const roleId = (role.body as { id: string }).id;
    expect((await call("DELETE", `/api/v1/users/new.person@company.com/roles/${roleId}`)).status).toBe(204);
    expect(state.org.roles(state.org.getUser("new.person@company.com").id)).toEqual([]);
    expect(state.org.logs.map((e) => e.eventType)).toEqual([
      "user.lifecycle.create",
      "user.lifecycle.create",
      "user.lifecycle.create",
      "user.account.update_profile",
      "user.account.update_profile",
      "group.user_membership.add",
      "group.user_membership.remove",
      "user.account.privilege.grant",
      "user.account.privilege.revoke",
    ]);
  });
});
