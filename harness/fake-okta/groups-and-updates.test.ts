import { describe, expect, it } from "vitest";
import { JANE, testApp } from "./test-helpers.js";

/** The Okta surface Okta's own SDK tests touch (issue #11): group replace/delete, user updates, temp passwords. */
describe("groups: replace the profile, delete", () => {
  it("PUT replaces an OKTA_GROUP's profile; DELETE removes it and its memberships (204)", async () => {
    const { call, state } = testApp({
      groups: [{ name: "Contractors" }],
      users: [{ login: "c@company.com", firstName: "C", lastName: "D", groups: ["Contractors"] }],
    });
    const group = state.org.groupByName("Contractors");
    if (!group) throw new Error("fixture group missing");
    const replaced = await call("PUT", `/api/v1/groups/${group.id}`, { profile: { name: "Vendors" } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ profile: { name: "Vendors", description: null } });
    const member = state.org.getUser("c@company.com");
    expect(state.org.groupsOf(member.id).map((g) => g.profile.name)).toContain("Vendors");
    const deleted = await call("DELETE", `/api/v1/groups/${group.id}`);
    expect(deleted.status).toBe(204);
    expect(state.org.groupsOf(member.id).map((g) => g.id)).not.toContain(group.id);
    expect((await call("GET", `/api/v1/groups/${group.id}`)).status).toBe(404);
    expect(state.org.logs.at(-1)?.eventType).toBe("group.lifecycle.delete");
  });

  it("the Everyone group (BUILT_IN) can be neither replaced nor deleted", async () => {
    const { call, state } = testApp(JANE);
    const everyone = state.org.groups.find((g) => g.type === "BUILT_IN");
    if (!everyone) throw new Error("no Everyone group");
    for (const [method, body] of [
      ["PUT", { profile: { name: "All" } }],
      ["DELETE", undefined],
    ] as const) {
      const response = await call(method, `/api/v1/groups/${everyone.id}`, body);
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ errorCode: "E0000006" });
    }
    expect(everyone.profile.name).toBe("Everyone");
  });

  it("a replace without a name is Okta's validation error", async () => {
    const { call, state } = testApp({ ...JANE, groups: [...(JANE.groups ?? []), { name: "Ops" }] });
    const ops = state.org.groupByName("Ops");
    const response = await call("PUT", `/api/v1/groups/${ops?.id}`, { profile: { description: "x" } });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ errorCode: "E0000001" });
  });
});

describe("user updates accept every UpdateUserRequest field", () => {
  it("type and realmId are accepted; an unknown field is still refused", async () => {
    const { call } = testApp(JANE);
    const typed = await call("POST", "/api/v1/users/jane.doe@company.com", {
      type: { id: "oty1" },
      realmId: "guo1",
    });
    expect(typed.status).toBe(200);
    const unknown = await call("POST", "/api/v1/users/jane.doe@company.com", { nickname: "J" });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain("nickname");
  });
});

describe("expiring a password with a temporary one", () => {
  it.each(["/lifecycle/expire_password?tempPassword=true", "/lifecycle/expire_password_with_temp_password"])(
    "%s answers {tempPassword} and leaves the user PASSWORD_EXPIRED",
    async (suffix) => {
      const { call, state } = testApp(JANE);
      const response = await call("POST", `/api/v1/users/jane.doe@company.com${suffix}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ tempPassword: expect.stringMatching(/^\w{12}$/) });
      expect(state.org.getUser("jane.doe@company.com").status).toBe("PASSWORD_EXPIRED");
    },
  );
});

describe("the System Log's since bound, where Okta's doc and Okta's SDK tests disagree", () => {
  const oldQuery = "/api/v1/logs?since=2018-01-26T00:00:00Z&until=2038-01-26T00:00:00Z&q=user&limit=5";

  it("by default a since years back is answered (Okta's SDK integration tests expect it of live orgs)", async () => {
    const { call } = testApp(JANE);
    expect((await call("GET", oldQuery)).status).toBe(200);
  });

  it("with logSinceLimitDays: 180 it is E0000053, as the system-log-query doc says", async () => {
    const { call } = testApp(JANE, { logSinceLimitDays: 180 });
    const response = await call("GET", oldQuery);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ errorCode: "E0000053" });
    // Within the bound it is answered.
    expect((await call("GET", "/api/v1/logs?since=2026-11-01T00:00:00Z")).status).toBe(200);
  });
});
