import okta from "@okta/okta-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOkta, startFakeOkta } from "../harness/fake-okta/server.js";

/**
 * The official Okta SDK, pointed at the fake, behaves as it does against a real org: it pages with
 * its own Link handling, maps refused transitions to OktaApiError codes, and retries a 429 using
 * X-Rate-Limit-Reset and Date. Caching is off so out-of-band state changes are seen.
 */
type OktaApiError = { status: number; errorCode: string; errorSummary: string };

let fake: FakeOkta;
let client: okta.Client;

beforeAll(async () => {
  // The SDK also reads OKTA_CLIENT_* and okta.yaml; this test must only see its own config.
  for (const key of Object.keys(process.env)) if (key.startsWith("OKTA_CLIENT_")) delete process.env[key];
  fake = await startFakeOkta({
    fixture: {
      seed: 11,
      generate: { users: 450, logs: 30 },
      users: [
        { login: "jane.doe@company.com", firstName: "Jane", lastName: "Doe" },
        { login: "staged.sam@company.com", firstName: "Sam", lastName: "Staged", status: "STAGED" },
      ],
      groups: [{ name: "JIT Database Access" }],
    },
    limits: "none",
  });
  client = new okta.Client({ orgUrl: fake.url, token: fake.token, cacheMiddleware: null });
});
afterAll(async () => fake.close());

async function expectOktaError(promise: Promise<unknown>, status: number, errorCode: string) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as OktaApiError | undefined;
  expect(error, `expected ${errorCode}`).toBeDefined();
  expect({ status: error?.status, errorCode: error?.errorCode }).toEqual({ status, errorCode });
  return error as OktaApiError;
}

describe("@okta/okta-sdk-nodejs against the fake", () => {
  it("lists a 450-user directory to completion through its own Link handling", async () => {
    const expected = fake.state.org.users.filter((u) => u.status !== "DEPROVISIONED").length;
    expect(expected).toBeGreaterThan(400);
    const ids = new Set<string>();
    const collection = await client.userApi.listUsers({ limit: 100 });
    for await (const user of collection) if (user?.id) ids.add(user.id);
    expect(ids.size).toBe(expected);
    const pages = fake.state.journal.list({ method: "GET", pathPrefix: "/api/v1/users" });
    expect(pages.length).toBe(Math.ceil(expected / 100));
  });

  it("runs the lifecycle and gets OktaApiErrors with Okta's codes for wrong transitions", async () => {
    const jane = await client.userApi.getUser({ userId: "jane.doe@company.com" });
    const userId = jane.id as string;
    await client.userApi.suspendUser({ userId });
    expect((await client.userApi.getUser({ userId: userId })).status).toBe("SUSPENDED");
    const error = await expectOktaError(client.userApi.suspendUser({ userId }), 400, "E0000001");
    expect(error.errorSummary).toBe("Api validation failed: suspendUser");
    await client.userApi.unsuspendUser({ userId });
    await expectOktaError(client.userApi.unlockUser({ userId }), 403, "E0000032");
    await expectOktaError(client.userApi.activateUser({ userId, sendEmail: false }), 403, "E0000016");
    const expired = await client.userApi.expirePassword({ userId });
    expect(expired.status).toBe("PASSWORD_EXPIRED");
    await client.userApi.revokeUserSessions({ userId });
    await client.userApi.deactivateUser({ userId });
    await expectOktaError(client.userApi.deactivateUser({ userId }), 404, "E0000007");
    const staged = await client.userApi.getUser({ userId: "staged.sam@company.com" });
    const token = await client.userApi.activateUser({ userId: staged.id as string, sendEmail: false });
    expect(token.activationToken).toEqual(expect.any(String));
  });

  it("manages groups and roles, and reads the System Log", async () => {
    const sam = await client.userApi.getUser({ userId: "staged.sam@company.com" });
    const [group] = fake.state.org.groups.filter((g) => g.profile.name === "JIT Database Access");
    await client.groupApi.assignUserToGroup({ groupId: group?.id as string, userId: sam.id as string });
    const members: string[] = [];
    for await (const member of await client.groupApi.listGroupUsers({ groupId: group?.id as string })) {
      members.push(member?.profile?.login as string);
    }
    expect(members).toEqual(["staged.sam@company.com"]);
    const roles: string[] = [];
    const admins = fake.state.org.users.filter((u) =>
      fake.state.org.roles(u.id).some((r) => r.type === "SUPER_ADMIN"),
    );
    for await (const role of await client.roleAssignmentApi.listAssignedRolesForUser({
      userId: admins[0]?.id as string,
    })) {
      roles.push((role as { type: string }).type);
    }
    expect(roles).toContain("SUPER_ADMIN");
    const events: string[] = [];
    await (
      await client.systemLogApi.listLogEvents({ filter: 'eventType eq "group.user_membership.add"' })
    ).each((event) => {
      events.push(event.eventType as string);
      return undefined;
    });
    expect(events).toEqual(["group.user_membership.add"]);
  });

  it("recovers from a 429 by its own retry, which reads X-Rate-Limit-Reset and Date", async () => {
    fake.state.faults.install({
      rules: [{ method: "GET", path: "/api/v1/groups", times: 1, action: { type: "status", status: 429 } }],
    });
    try {
      const names: string[] = [];
      for await (const group of await client.groupApi.listGroups({ q: "JIT" }))
        names.push(group?.profile?.name as string);
      expect(names).toEqual(["JIT Database Access"]);
      const attempts = fake.state.journal
        .list({ pathPrefix: "/api/v1/groups" })
        .filter((e) => e.query.q === "JIT");
      expect(attempts.map((e) => e.status)).toEqual([429, 200]);
      // The SDK tags its retry with the 429's request id.
      expect(attempts[1]?.retryFor).toBe(attempts[0]?.requestId);
      expect(attempts[1]?.retryCount).toBe(1);
    } finally {
      fake.state.faults.clear();
    }
  });

  it("replaces and deletes a group, lists and resets factors, and expires a password with a temp one", async () => {
    const created = await client.groupApi.createGroup({ group: { profile: { name: "SDK Temp Group" } } });
    const groupId = created.id as string;
    const replaced = await client.groupApi.replaceGroup({
      groupId,
      group: { profile: { name: "SDK Renamed Group", description: "renamed" } },
    });
    expect(replaced.profile?.name).toBe("SDK Renamed Group");
    await client.groupApi.deleteGroup({ groupId });
    await expectOktaError(client.groupApi.getGroup({ groupId }), 404, "E0000007");

    // A generated user with factors: list them, unenroll one, then reset the rest.
    const enrolled = fake.state.org.users.find((u) => fake.state.org.factors(u.id).length >= 2);
    if (!enrolled) throw new Error("the seed should give someone two factors");
    const listed: string[] = [];
    for await (const factor of await client.userFactorApi.listFactors({ userId: enrolled.id }))
      listed.push((factor as { id: string }).id);
    expect(listed).toEqual(fake.state.org.factors(enrolled.id).map((f) => f.id));
    await client.userFactorApi.unenrollFactor({ userId: enrolled.id, factorId: listed[0] as string });
    expect(fake.state.org.factors(enrolled.id).map((f) => f.id)).toEqual(listed.slice(1));
    await client.userApi.resetFactors({ userId: enrolled.id });
    expect(fake.state.org.factors(enrolled.id)).toEqual([]);

    const active = fake.state.org.users.find((u) => u.status === "ACTIVE" && u.id !== enrolled.id);
    // SDK 8.1 reads the answer as a User (its older spec); the current spec's TempPassword body is
    // checked over plain HTTP in harness/fake-okta/groups-and-updates.test.ts.
    await client.userApi.expirePasswordAndGetTemporaryPassword({ userId: active?.id as string });
    expect(fake.state.org.getUser(active?.id as string).status).toBe("PASSWORD_EXPIRED");
  });

  it("narrows a help-desk admin to a group with role targets, through the SDK's RoleTargetApi", async () => {
    const user = fake.state.org.users.find(
      (u) => u.status === "ACTIVE" && fake.state.org.roles(u.id).length === 0,
    );
    const group = await client.groupApi.createGroup({ group: { profile: { name: "SDK Target Group" } } });
    const second = await client.groupApi.createGroup({ group: { profile: { name: "SDK Target Group 2" } } });
    if (!user) throw new Error("an ACTIVE user without roles expected");
    const role = await client.roleAssignmentApi.assignRoleToUser({
      userId: user.id,
      assignRoleRequest: { type: "HELP_DESK_ADMIN" },
    });
    const roleId = (role as { id: string }).id;
    await client.roleTargetApi.assignGroupTargetToUserRole({
      userId: user.id,
      roleId,
      groupId: group.id as string,
    });
    const targets: string[] = [];
    for await (const g of await client.roleTargetApi.listGroupTargetsForRole({
      userId: user.id,
      roleId,
    }))
      targets.push((g as { id: string }).id);
    expect(targets).toEqual([group.id]);
    await client.roleTargetApi.assignGroupTargetToUserRole({
      userId: user.id,
      roleId,
      groupId: second.id as string,
    });
    await client.roleTargetApi.unassignGroupTargetFromUserAdminRole({
      userId: user.id,
      roleId,
      groupId: group.id as string,
    });
    expect(fake.state.org.roles(user.id).find((r) => r.id === roleId)?.groupTargets).toEqual([second.id]);
    // The last target stays: Okta refuses to remove it, and the SDK hands the error on.
    await expect(
      client.roleTargetApi.unassignGroupTargetFromUserAdminRole({
        userId: user.id,
        roleId,
        groupId: second.id as string,
      }),
    ).rejects.toThrow(/last group target/);
  });

  it("lists applications, assigns and unassigns a user, and reads app links, through the SDK's ApplicationApi", async () => {
    const labels: string[] = [];
    for await (const app of await client.applicationApi.listApplications({ q: "Sla" }))
      labels.push((app as { label: string }).label);
    expect(labels).toEqual(["Slack"]);
    const slack = fake.state.org.apps.byLabel("Slack");
    const user = fake.state.org.users.find(
      (u) =>
        u.status === "ACTIVE" &&
        slack &&
        !fake.state.org.apps.scopeOf(
          slack,
          u.id,
          fake.state.org.groupsOf(u.id).map((g) => g.id),
        ),
    );
    if (!slack || !user) throw new Error("an ACTIVE user without Slack expected");
    const assigned = await client.applicationApi.assignUserToApplication({
      appId: slack.id,
      appUser: { id: user.id, scope: "USER" } as never,
    });
    expect((assigned as { scope?: string }).scope).toBe("USER");
    const links: string[] = [];
    for await (const link of await client.userApi.listAppLinks({ userId: user.id }))
      links.push((link as { label: string }).label);
    expect(links).toContain("Slack");
    await client.applicationApi.unassignUserFromApplication({ appId: slack.id, userId: user.id });
    expect(fake.state.org.apps.directUser(slack, user.id)).toBeUndefined();
  });

  it.each([
    {
      name: "bookmark",
      label: "SDK Bookmark",
      signOnMode: "BOOKMARK",
      settings: { app: { requestIntegration: false, url: "https://example.com/bookmark.htm" } },
    },
    {
      name: "template_basic_auth",
      label: "SDK Basic Auth",
      signOnMode: "BASIC_AUTH",
      settings: { app: { url: "https://example.com/login.html", authURL: "https://example.com/auth.html" } },
    },
    {
      name: "template_swa",
      label: "SDK SWA",
      signOnMode: "BROWSER_PLUGIN",
      settings: {
        app: {
          buttonField: "btn-login",
          passwordField: "txtbox-password",
          usernameField: "txtbox-username",
          url: "https://example.com/login.html",
        },
      },
    },
  ])(
    "creates a $signOnMode app through the SDK's ApplicationApi, reads it back, deactivates and deletes it",
    async (application) => {
      const created = (await client.applicationApi.createApplication({
        application: application as never,
      })) as {
        id: string;
        status: string;
        signOnMode: string;
        label: string;
        settings: { app: Record<string, unknown> };
      };
      expect(created).toMatchObject({
        status: "ACTIVE",
        signOnMode: application.signOnMode,
        label: application.label,
      });
      expect(created.settings.app).toMatchObject(application.settings.app);
      const read = (await client.applicationApi.getApplication({ appId: created.id })) as { label: string };
      expect(read.label).toBe(application.label);
      // Okta deletes only an inactive app (the spec: "Deletes an inactive application").
      await expectOktaError(client.applicationApi.deleteApplication({ appId: created.id }), 403, "E0000056");
      await client.applicationApi.deactivateApplication({ appId: created.id });
      await client.applicationApi.deleteApplication({ appId: created.id });
      await expectOktaError(client.applicationApi.getApplication({ appId: created.id }), 404, "E0000007");
    },
  );

  it("refuses an app it cannot create with Okta's errors: a missing setting, a taken label", async () => {
    const missing = await expectOktaError(
      client.applicationApi.createApplication({
        application: {
          name: "bookmark",
          label: "No URL",
          signOnMode: "BOOKMARK",
          settings: { app: {} },
        } as never,
      }),
      400,
      "E0000001",
    );
    expect(JSON.stringify(missing)).toContain("settings.app.url");
    await expectOktaError(
      client.applicationApi.createApplication({
        application: {
          name: "bookmark",
          label: "Slack",
          signOnMode: "BOOKMARK",
          settings: { app: { url: "https://example.com" } },
        } as never,
      }),
      400,
      "E0000040",
    );
    const inactive = (await client.applicationApi.createApplication({
      application: {
        name: "bookmark",
        label: "Parked",
        signOnMode: "BOOKMARK",
        settings: { app: { url: "https://example.com" } },
      } as never,
      activate: false,
    })) as { status: string };
    expect(inactive.status).toBe("INACTIVE");
  });
});
