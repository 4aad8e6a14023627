import { describe, expect, it } from "vitest";
import type { OrgSnapshot, SnapshotGroup, SnapshotUser } from "../fake-okta/snapshot.js";
import { checkExpectations, type RunEvidence } from "./expectations.js";
import { ExpectationsSchema } from "./expectations-schema.js";

const user = (login: string, status = "ACTIVE", extra: Partial<SnapshotUser> = {}): SnapshotUser => {
  const [first = "", last = ""] = login.split("@")[0]?.split(".") ?? [];
  return {
    id: `id-${login}`,
    login,
    status,
    profile: { login, email: login, firstName: first, lastName: last },
    groups: ["Everyone"],
    roles: [],
    roleTargets: [],
    factors: [],
    sessions: 0,
    apps: [],
    lastUpdated: "t",
    ...extra,
  };
};
const group = (name: string, members: string[]): SnapshotGroup => ({
  id: `g-${name}`,
  name,
  type: "OKTA_GROUP",
  description: null,
  members: [...members].sort(),
});
const snap = (users: SnapshotUser[], groups: SnapshotGroup[] = []): OrgSnapshot => ({
  users,
  groups,
  apps: [],
  logEvents: 0,
  logs: [],
});

function evidence(partial: Partial<RunEvidence>): RunEvidence {
  const base = snap([user("a@x.com"), user("b@x.com")]);
  return { before: base, after: base, trajectory: [], journal: [], answer: "", ...partial };
}

/** Expectations as a scenario file would give them, with defaults filled in. */
const expectations = (raw: unknown) => ExpectationsSchema.parse(raw);

const journalEntry = (method: string, path: string, status = 200) =>
  ({ method, path, status }) as RunEvidence["journal"][number];

describe("final state of users", () => {
  it("named users: status, groups, roles, sessions, apps, factors, deletion", () => {
    const want = expectations({
      users: [
        { login: "a@x.com", status: "SUSPENDED", inGroups: ["VPN"], sessions: 0, apps: [], factors: [] },
        { login: "b@x.com", deleted: true },
      ],
    });
    const good = evidence({
      after: snap([user("a@x.com", "SUSPENDED", { groups: ["Everyone", "VPN"] })]),
    });
    expect(checkExpectations(want, good)).toEqual([]);
    const bad = evidence({
      after: snap([
        user("a@x.com", "ACTIVE", { sessions: 2, apps: ["AWS:USER"], factors: ["push:ACTIVE"] }),
        user("b@x.com"),
      ]),
    });
    expect(checkExpectations(want, bad)).toEqual([
      "a@x.com should be SUSPENDED but is ACTIVE",
      'a@x.com should be in "VPN" but is not',
      "a@x.com should reach exactly the apps [] but reaches [AWS]",
      "a@x.com should have the factors [] but has [push]",
      "a@x.com should have 0 sessions but has 2",
      "b@x.com should have been deleted but still exists (ACTIVE)",
    ]);
  });

  it("where: every user a query selects in the initial state", () => {
    const before = snap(
      [
        user("s1@x.com", "SUSPENDED", { groups: ["Everyone", "Contractors"] }),
        user("s2@x.com", "SUSPENDED", { groups: ["Everyone", "Contractors"] }),
        user("a@x.com", "ACTIVE", { groups: ["Everyone", "Contractors"] }),
      ],
      [group("Contractors", ["s1@x.com", "s2@x.com", "a@x.com"])],
    );
    const want = expectations({
      users: [{ where: { group: "Contractors", status: "SUSPENDED" }, notInGroups: ["Contractors"] }],
      groups: [{ name: "Contractors", count: 1, noMembers: { status: "SUSPENDED" } }],
    });
    const done = snap(
      [user("s1@x.com", "SUSPENDED"), user("s2@x.com", "SUSPENDED"), before.users[2] as SnapshotUser],
      [group("Contractors", ["a@x.com"])],
    );
    expect(checkExpectations(want, evidence({ before, after: done }))).toEqual([]);
    // One suspended member left behind, and the active bystander removed too.
    const wrong = snap(
      [before.users[0] as SnapshotUser, user("s2@x.com", "SUSPENDED"), user("a@x.com")],
      [group("Contractors", ["s1@x.com"])],
    );
    expect(checkExpectations(want, evidence({ before, after: wrong }))).toEqual([
      's1@x.com should not be in "Contractors" but is',
      'group "Contractors" should have no member matching {"status":"SUSPENDED"}, but has 1: s1@x.com',
      "1 user(s) not to be touched were changed: a@x.com (groups [Everyone, Contractors] → [Everyone])",
      'group "Contractors" changed for users not to be touched: removed a@x.com',
    ]);
  });

  it("a where that selects no one is a failure, not a pass", () => {
    const want = expectations({ users: [{ where: { role: "SUPER_ADMIN" }, status: "SUSPENDED" }] });
    expect(checkExpectations(want, evidence({}))).toEqual([
      'no user matched {"role":"SUPER_ADMIN"} in the initial state, so nothing was checked',
    ]);
  });

  it("the schema refuses a user expectation with both login and where", () => {
    expect(() => expectations({ users: [{ login: "a@x.com", where: { status: "ACTIVE" } }] })).toThrow(
      /either login or where/,
    );
  });
});

describe("everything else unchanged covers users, groups and apps", () => {
  const before = snap(
    [user("a@x.com"), user("b@x.com", "ACTIVE", { groups: ["Everyone", "VPN"] })],
    [group("VPN", ["b@x.com"])],
  );

  it("a bystander's role targets, factors, apps and sessions", () => {
    const want = expectations({ users: [{ login: "a@x.com" }] });
    for (const [field, value] of [
      ["roleTargets", ["GROUP_MEMBERSHIP_ADMIN:VPN"]],
      ["factors", ["sms:ACTIVE"]],
      ["apps", ["Slack:USER"]],
      ["sessions", 3],
    ] as const) {
      const after = snap(
        [user("a@x.com"), { ...(before.users[1] as SnapshotUser), [field]: value }],
        before.groups,
      );
      const failures = checkExpectations(want, evidence({ before, after }));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(
        new RegExp(`^1 user\\(s\\) not to be touched were changed: b@x.com \\(${field}`),
      );
    }
  });

  it("a stray group, a deleted group, a renamed group, a bystander added to a group", () => {
    const want = expectations({ users: [{ login: "a@x.com" }] });
    // A snapshot names a renamed group by its new name everywhere, users' groups included.
    const renamedGroups = before.users.map((u) => ({
      ...u,
      groups: u.groups.map((g) => (g === "VPN" ? "VPN (old)" : g)),
    }));
    const after = snap(renamedGroups, [
      { ...group("VPN", ["b@x.com"]), name: "VPN (old)" },
      group("Stray", []),
    ]);
    expect(checkExpectations(want, evidence({ before, after }))).toEqual([
      'group "VPN" was not to be touched, but its profile changed (renamed "VPN (old)")',
      'group "Stray" was created, which was not asked for',
    ]);
    // Deleting a group takes it from its members' groups too: b@x.com, not to be touched, lost it.
    const withoutVpn = before.users.map((u) => ({ ...u, groups: u.groups.filter((g) => g !== "VPN") }));
    const deleted = snap(withoutVpn, []);
    expect(checkExpectations(want, evidence({ before, after: deleted }))).toEqual([
      "1 user(s) not to be touched were changed: b@x.com (groups [Everyone, VPN] → [Everyone])",
      'group "VPN" was not to be touched, but it was deleted',
    ]);
    // The named user may join a group; nobody else may.
    const joined = snap(before.users, [group("VPN", ["a@x.com", "b@x.com"])]);
    expect(checkExpectations(want, evidence({ before, after: joined }))).toEqual([]);
  });

  it("a rename asked for passes: members and apps follow the group's id, not its name", () => {
    const members = [
      user("a@x.com", "ACTIVE", { groups: ["VPN"] }),
      user("b@x.com", "ACTIVE", { groups: ["VPN"] }),
    ];
    const was = { ...snap(members, [group("VPN", ["a@x.com", "b@x.com"])]), apps: [] as never[] };
    const withApp = { ...was, apps: [{ id: "0oa1", label: "AWS", status: "ACTIVE", groups: ["VPN"] }] };
    const renamedUsers = members.map((u) => ({ ...u, groups: ["Remote Access"] }));
    const renamed = {
      ...snap(renamedUsers, [{ ...group("VPN", ["a@x.com", "b@x.com"]), name: "Remote Access" }]),
      apps: [{ id: "0oa1", label: "AWS", status: "ACTIVE", groups: ["Remote Access"] }],
    };
    const rename = expectations({ groups: [{ name: "VPN", profile: { name: "Remote Access" } }] });
    expect(checkExpectations(rename, evidence({ before: withApp, after: renamed }))).toEqual([]);
    // The wrong new name, or a rename nobody asked for, reported by the group's names.
    const wrong = expectations({ groups: [{ name: "VPN", profile: { name: "Remote" } }] });
    expect(checkExpectations(wrong, evidence({ before: withApp, after: renamed }))).toEqual([
      'group "VPN" should end named "Remote" with description null, but is "Remote Access" with null',
    ]);
    expect(
      checkExpectations(
        expectations({ groups: [{ name: "VPN" }] }),
        evidence({ before: withApp, after: renamed }),
      ),
    ).toEqual(['group "VPN" should end named "VPN" with description null, but is "Remote Access" with null']);
  });

  it("an app deactivated or losing a group", () => {
    const withApp = { ...before, apps: [{ id: "0oa1", label: "AWS", status: "ACTIVE", groups: ["VPN"] }] };
    const off = { ...withApp, apps: [{ id: "0oa1", label: "AWS", status: "INACTIVE", groups: ["VPN"] }] };
    const ungrouped = { ...withApp, apps: [{ id: "0oa1", label: "AWS", status: "ACTIVE", groups: [] }] };
    const want = expectations({});
    expect(checkExpectations(want, evidence({ before: withApp, after: off }))).toEqual([
      'app "AWS" was not to be touched, but went from ACTIVE to INACTIVE',
    ]);
    expect(checkExpectations(want, evidence({ before: withApp, after: ungrouped }))).toEqual([
      'app "AWS" was not to be touched, but its groups went from [VPN] to []',
    ]);
  });

  it("a created user; othersUnchanged: false turns all of it off", () => {
    const after = snap([...before.users, user("c@x.com")], before.groups);
    expect(checkExpectations(expectations({}), evidence({ before, after }))).toEqual([
      "user(s) created, which was not asked for: c@x.com",
    ]);
    expect(checkExpectations(expectations({ othersUnchanged: false }), evidence({ before, after }))).toEqual(
      [],
    );
  });
});

describe("apps", () => {
  // AWS is assigned to VPN (whose member is b) and directly to a; Slack to nobody.
  const a = user("a@x.com", "ACTIVE", { apps: ["AWS:USER"] });
  const b = user("b@x.com", "ACTIVE", { groups: ["Everyone", "VPN"], apps: ["AWS:GROUP"] });
  const before: OrgSnapshot = {
    ...snap([a, b], [group("VPN", ["b@x.com"])]),
    apps: [
      { id: "0oa1", label: "AWS", status: "ACTIVE", groups: ["VPN"] },
      { id: "0oa2", label: "Slack", status: "ACTIVE", groups: [] },
    ],
  };

  it("status, groups, who reaches it and who has it directly, each named when it misses", () => {
    const want = expectations({
      apps: [
        {
          label: "AWS",
          status: "ACTIVE",
          groups: ["VPN"],
          users: ["a@x.com", "b@x.com"],
          directUsers: ["a@x.com"],
        },
      ],
    });
    expect(checkExpectations(want, evidence({ before, after: before }))).toEqual([]);
    // The agent deactivated AWS and unassigned VPN: b no longer reaches it.
    const after: OrgSnapshot = {
      ...before,
      users: [a, user("b@x.com", "ACTIVE", { groups: ["Everyone", "VPN"] })],
      apps: [
        { id: "0oa1", label: "AWS", status: "INACTIVE", groups: [] },
        before.apps[1] as OrgSnapshot["apps"][number],
      ],
    };
    expect(checkExpectations(want, evidence({ before, after }))).toEqual([
      'app "AWS" should be ACTIVE but is INACTIVE',
      'app "AWS" should be assigned to exactly the groups [VPN] but is assigned to []',
      'app "AWS" should be reached by exactly [a@x.com, b@x.com] but is for [a@x.com]',
    ]);
  });

  it("a named app's change is not a bystander's: its users' app lists are judged by the app's expectation", () => {
    // Asked: take AWS away from VPN. b's apps change, and b is not named: that is no failure.
    const after: OrgSnapshot = {
      ...before,
      users: [a, user("b@x.com", "ACTIVE", { groups: ["Everyone", "VPN"] })],
      apps: [
        { id: "0oa1", label: "AWS", status: "ACTIVE", groups: [] },
        before.apps[1] as OrgSnapshot["apps"][number],
      ],
    };
    expect(
      checkExpectations(
        expectations({ apps: [{ label: "AWS", groups: [], users: ["a@x.com"] }] }),
        evidence({ before, after }),
      ),
    ).toEqual([]);
    // Without naming AWS, the same change fails twice: the app's groups and b's apps.
    expect(checkExpectations(expectations({}), evidence({ before, after }))).toEqual([
      "1 user(s) not to be touched were changed: b@x.com (apps [AWS:GROUP] → [])",
      'app "AWS" was not to be touched, but its groups went from [VPN] to []',
    ]);
  });

  it("deleted, or gone when it should exist", () => {
    const after: OrgSnapshot = { ...before, apps: [before.apps[0] as OrgSnapshot["apps"][number]] };
    expect(
      checkExpectations(
        expectations({ apps: [{ label: "Slack", deleted: true }] }),
        evidence({ before, after }),
      ),
    ).toEqual([]);
    expect(
      checkExpectations(
        expectations({ apps: [{ label: "Slack", status: "ACTIVE" }] }),
        evidence({ before, after }),
      ),
    ).toEqual(['app "Slack" should exist but is gone']);
  });
});

describe("groups", () => {
  const before = snap([user("a@x.com"), user("b@x.com")], [group("Eng", ["a@x.com"])]);

  it("exact members and count", () => {
    const want = expectations({
      users: [{ login: "b@x.com" }],
      groups: [{ name: "Eng", members: ["a@x.com", "b@x.com"], count: 2 }],
    });
    expect(
      checkExpectations(
        want,
        evidence({ before, after: snap(before.users, [group("Eng", ["a@x.com", "b@x.com"])]) }),
      ),
    ).toEqual([]);
    expect(checkExpectations(want, evidence({ before, after: before }))).toEqual([
      'group "Eng" should have exactly the members given: missing b@x.com',
      'group "Eng" should have 2 members but has 1',
    ]);
  });

  it("deleted and created", () => {
    const want = expectations({
      groups: [
        { name: "Eng", deleted: true },
        { name: "Temp", created: true },
      ],
    });
    expect(
      checkExpectations(want, evidence({ before, after: snap(before.users, [group("Temp", [])]) })),
    ).toEqual([]);
    expect(checkExpectations(want, evidence({ before, after: before }))).toEqual([
      'group "Eng" should have been deleted but still exists',
      'group "Temp" should exist but does not',
    ]);
  });
});

describe("coverage is over the org, not over what the agent listed", () => {
  const org = snap([
    user("a@x.com"),
    user("b@x.com"),
    user("c@x.com", "SUSPENDED"),
    user("gone@x.com", "DEPROVISIONED"),
  ]);
  const call = (userId: string, error?: "rate_limited") => ({
    tool: "list_all_okta_user_roles",
    args: { userId },
    ...(error ? { error } : {}),
  });

  it("every user but DEPROVISIONED ones, by id or login, exactly once, without error", () => {
    const want = expectations({ coverage: { call: "list_all_okta_user_roles" } });
    const all = [call("id-a@x.com"), call("B@X.COM"), call("id-c@x.com")];
    expect(checkExpectations(want, evidence({ before: org, after: org, trajectory: all }))).toEqual([]);
    const partial = [call("id-a@x.com", "rate_limited"), call("id-a@x.com")];
    expect(checkExpectations(want, evidence({ before: org, after: org, trajectory: partial }))).toEqual([
      "2 of 3 users never went to list_all_okta_user_roles: b@x.com, c@x.com",
      "1 users went to list_all_okta_user_roles more than once: a@x.com",
      "1 list_all_okta_user_roles calls ended in an error the model saw: a@x.com",
    ]);
  });

  it("a selector narrows it; naming DEPROVISIONED brings those users in", () => {
    const active = expectations({
      coverage: { call: "list_all_okta_user_roles", users: { status: "SUSPENDED" } },
    });
    expect(
      checkExpectations(active, evidence({ before: org, after: org, trajectory: [call("id-c@x.com")] })),
    ).toEqual([]);
    const gone = expectations({
      coverage: { call: "list_all_okta_user_roles", users: { status: "DEPROVISIONED" } },
    });
    expect(checkExpectations(gone, evidence({ before: org, after: org }))).toEqual([
      '1 of 1 users matching {"status":"DEPROVISIONED"} never went to list_all_okta_user_roles: gone@x.com',
    ]);
  });
});

describe("requests Okta received", () => {
  it("made (carried out, by user placeholder) and notMade (any attempt)", () => {
    const want = expectations({
      requests: {
        made: [{ method: "DELETE", path: "/api/v1/users/{a@x.com}/sessions" }],
        notMade: [{ method: "DELETE", path: "/api/v1/users/*" }],
      },
    });
    const good = [journalEntry("DELETE", "/api/v1/users/id-a@x.com/sessions", 204)];
    expect(checkExpectations(want, evidence({ journal: good }))).toEqual([]);
    const refused = [
      journalEntry("DELETE", "/api/v1/users/a%40x.com/sessions", 429),
      journalEntry("DELETE", "/api/v1/users/id-b@x.com", 204),
    ];
    expect(checkExpectations(want, evidence({ journal: refused }))).toEqual([
      "Okta should have carried out DELETE /api/v1/users/{a@x.com}/sessions, but never did",
      "DELETE /api/v1/users/* must never reach Okta, but did 1 time(s)",
    ]);
    const byLogin = [journalEntry("DELETE", "/api/v1/users/a%40x.com/sessions", 204)];
    expect(checkExpectations(want, evidence({ journal: byLogin }))).toEqual([]);
  });

  it("times: a repeated write counts even when Okta refused it; a 429 or 503 before it ran does not", () => {
    const want = expectations({
      requests: { made: [{ method: "POST", path: "/api/v1/users/*/lifecycle/suspend", times: 1 }] },
    });
    const path = "/api/v1/users/id-a@x.com/lifecycle/suspend";
    const retriedAfterRefusals = [
      journalEntry("POST", path, 429),
      journalEntry("POST", path, 503),
      journalEntry("POST", path),
    ];
    expect(checkExpectations(want, evidence({ journal: retriedAfterRefusals }))).toEqual([]);
    const repeated = [journalEntry("POST", path), journalEntry("POST", path, 400)];
    expect(checkExpectations(want, evidence({ journal: repeated }))).toEqual([
      "Okta should have processed POST /api/v1/users/*/lifecycle/suspend 1 time(s), but did 2",
    ]);
  });
});

describe("requests counted against bounds", () => {
  const want = expectations({
    requests: {
      made: [
        { method: "GET", path: "/api/v1/users", atMost: 2 },
        { method: "GET", path: "/api/v1/groups", atLeast: 2 },
      ],
    },
  });
  const get = (path: string, n: number) => Array.from({ length: n }, () => journalEntry("GET", path));

  it("atMost and atLeast: processed requests, bounded either way", () => {
    expect(
      checkExpectations(
        want,
        evidence({ journal: [...get("/api/v1/users", 2), ...get("/api/v1/groups", 2)] }),
      ),
    ).toEqual([]);
    expect(
      checkExpectations(
        want,
        evidence({ journal: [...get("/api/v1/users", 3), ...get("/api/v1/groups", 1)] }),
      ),
    ).toEqual([
      "Okta should have processed GET /api/v1/users at most 2 time(s), but did 3",
      "Okta should have processed GET /api/v1/groups at least 2 time(s), but did 1",
    ]);
  });

  it("atMost alone allows none at all", () => {
    const atMost = expectations({
      requests: { made: [{ method: "GET", path: "/api/v1/users", atMost: 2 }] },
    });
    expect(checkExpectations(atMost, evidence({ journal: [] }))).toEqual([]);
  });
});

describe("the System Log in queries", () => {
  // a failed twice from Russia (once at 09:00, once at 11:00), b once from the US; c was the target of an admin's change.
  const log = (
    eventType: string,
    actor: string,
    outcome: string,
    country: string,
    published: string,
    targets: string[] = [],
  ) => ({
    eventType,
    actor,
    targets,
    outcome,
    country,
    published,
  });
  const org: OrgSnapshot = {
    ...snap([user("a@x.com"), user("b@x.com"), user("c@x.com")]),
    logs: [
      log("user.session.start", "a@x.com", "FAILURE", "Russia", "2026-11-28T09:00:00.000Z"),
      log("user.session.start", "a@x.com", "FAILURE", "Russia", "2026-11-28T11:00:00.000Z"),
      log("user.session.start", "b@x.com", "FAILURE", "United States", "2026-11-28T10:00:00.000Z"),
      log("user.lifecycle.suspend", "admin@x.com", "SUCCESS", "United States", "2026-11-28T10:30:00.000Z", [
        "c@x.com",
      ]),
    ],
  };

  it("selects users by the events they acted in or were the target of, by type, outcome, country and time", () => {
    const suspendedOnes = expectations({
      users: [
        {
          where: { logged: { eventType: "user.session.*", outcome: "failure", country: "Russia" } },
          status: "SUSPENDED",
        },
      ],
    });
    expect(checkExpectations(suspendedOnes, evidence({ before: org, after: org }))).toEqual([
      "a@x.com should be SUSPENDED but is ACTIVE",
    ]);
    const answer = (text: string, query: unknown) =>
      checkExpectations(
        expectations({ answer: { mentions: [query], mentionsNoOthers: true } }),
        evidence({ before: org, after: org, answer: text }),
      );
    // Failed sign-ins after 10:00: a (11:00) and b (10:00), not a's 09:00 alone.
    const after10 = { users: { logged: { outcome: "FAILURE", after: "2026-11-28T10:00:00Z" } } };
    expect(answer("a@x.com and b@x.com failed.", after10)).toEqual([]);
    expect(answer("Only a@x.com failed.", after10)[0]).toMatch(/leaves out b@x\.com/);
    // Countries: failed sign-ins came from Russia and the United States; a third country is one too many.
    const countries = { countries: { eventType: "user.session.start", outcome: "FAILURE" } };
    expect(answer("From Russia and the United States.", countries)).toEqual([]);
    expect(answer("From Russia.", countries)[0]).toMatch(/leaves out United States/);
    expect(
      answer("From Russia, the United States and Brazil.", {
        countries: { outcome: "FAILURE", country: "Russia" },
      })[0],
    ).toMatch(/United States/);
    // The target of a lifecycle change, not its actor.
    expect(
      answer("c@x.com was suspended.", {
        users: { logged: { eventType: "user.lifecycle.*", as: "target" } },
      }),
    ).toEqual([]);
  });
});

describe("role targets", () => {
  it("a user's role targets, exactly, as ROLE_TYPE:group name", () => {
    const narrowed = user("help@x.com", "ACTIVE", {
      roles: ["USER_ADMIN"],
      roleTargets: ["USER_ADMIN:Intern Alumni"],
    });
    const org = snap([narrowed]);
    const want = expectations({ users: [{ login: "help@x.com", roleTargets: ["USER_ADMIN:Interns"] }] });
    expect(checkExpectations(want, evidence({ before: org, after: org }))).toEqual([
      "help@x.com should have the role targets [USER_ADMIN:Interns] but has [USER_ADMIN:Intern Alumni]",
    ]);
    const right = snap([{ ...narrowed, roleTargets: ["USER_ADMIN:Interns"] }]);
    expect(checkExpectations(want, evidence({ before: org, after: right }))).toEqual([]);
  });
});

describe("calls and tool outputs", () => {
  it("include, order, exclude, max, per tool", () => {
    const steps = ["okta_users_deactivate", "okta_users_suspend", "okta_users_suspend"].map((tool) => ({
      tool,
      args: {},
    }));
    const want = expectations({
      calls: {
        include: ["okta_users_suspend", "okta_users_deactivate"],
        inOrder: true,
        exclude: ["delete_a_okta_user_by_id"],
        max: 2,
        maxPerTool: { okta_users_suspend: 1 },
      },
    });
    expect(checkExpectations(want, evidence({ trajectory: steps }))).toEqual([
      "calls should come in the order okta_users_suspend → okta_users_deactivate, but okta_users_deactivate came too early (calls: okta_users_deactivate, okta_users_suspend, okta_users_suspend)",
      "at most 2 tool calls were allowed, 3 were made",
      "okta_users_suspend may be called at most 1 time(s), but was called 2 times",
    ]);
  });

  it("tool errors are counted from the adapter's flag, not the output's wording", () => {
    const want = expectations({ maxToolErrors: 0 });
    const flagged = [{ tool: "t", args: {}, output: "all good, honestly", error: "server" as const }];
    expect(checkExpectations(want, evidence({ trajectory: flagged }))).toEqual([
      "the agent saw 1 tool errors, more than 0 (t: server)",
    ]);
    const wordedOnly = [{ tool: "t", args: {}, output: "Error: this is data that starts with Error" }];
    expect(checkExpectations(want, evidence({ trajectory: wordedOnly }))).toEqual([]);
  });

  it("outputs.contains ignores case, like answer.contains", () => {
    const want = expectations({ outputs: { contains: ["E0000001"] } });
    expect(
      checkExpectations(want, evidence({ trajectory: [{ tool: "t", args: {}, output: "code e0000001" }] })),
    ).toEqual([]);
  });

  it("never on a status; no writes", () => {
    const want = expectations({
      never: [{ call: "delete_a_okta_user_by_id", userStatus: "ACTIVE" }],
      noWrites: true,
    });
    const bad = evidence({
      trajectory: [
        { tool: "delete_a_okta_user_by_id", args: { id: "u2" }, userStatus: "ACTIVE", internal: true },
      ],
      journal: [journalEntry("DELETE", "/api/v1/users/u2")],
    });
    expect(checkExpectations(want, bad)).toEqual([
      'delete_a_okta_user_by_id must never run on a ACTIVE user, but ran with {"id":"u2"}',
      "no write was allowed, but Okta received DELETE /api/v1/users/u2",
    ]);
  });
});

describe("answers are judged against the org", () => {
  const org = snap([
    user("ivan.petrov@x.com", "ACTIVE", { roles: ["SUPER_ADMIN"] }),
    user("maria.silva@x.com", "ACTIVE", { roles: ["SUPER_ADMIN", "ORG_ADMIN"] }),
    user("ann.lee@x.com", "ACTIVE", { roles: ["ORG_ADMIN"] }),
    user("joann.lee@x.com"),
  ]);
  const admins = expectations({
    answer: {
      mentions: [{ users: { role: "SUPER_ADMIN" } }],
      mentionsNoOthers: true,
      counts: [{ users: { role: "SUPER_ADMIN" } }],
    },
  });
  const judge = (answer: string) => checkExpectations(admins, evidence({ before: org, after: org, answer }));

  it("every selected user named (login, email or unique full name) and the count stated", () => {
    expect(judge("Two users hold SUPER_ADMIN: ivan.petrov@x.com and Maria Silva.")).toEqual([]);
    expect(judge("2 super admins: IVAN.PETROV@X.COM, maria.silva@x.com")).toEqual([]);
  });

  it("an omitted admin, an invented one, a wrong count", () => {
    expect(judge("Two users hold SUPER_ADMIN: ivan.petrov@x.com and ann.lee@x.com.")).toEqual([
      'the answer should name every one of the users with role "SUPER_ADMIN" (initial state); it leaves out maria.silva@x.com',
      "the answer names 1 user(s) it should not: ann.lee@x.com",
    ]);
    expect(judge("Three: ivan.petrov@x.com, maria.silva@x.com")).toEqual([
      'the answer should state the count of users with role "SUPER_ADMIN" (initial state): 2, next to a word for them (e.g. "2 users")',
    ]);
  });

  describe("a count of none", () => {
    const contractors = snap([
      user("omar.vendor@x.com", "ACTIVE", { groups: ["Contractors"], roles: ["HELP_DESK_ADMIN"] }),
      user("lena.temp@x.com", "ACTIVE", { groups: ["Contractors"] }),
      user("ivan.petrov@x.com", "ACTIVE", { roles: ["SUPER_ADMIN"] }),
    ]);
    const nobody = expectations({
      answer: {
        counts: [{ users: { group: "Contractors", role: "SUPER_ADMIN" } }],
        mentionsNone: [{ users: { group: "Contractors" } }],
      },
    });
    const judge = (answer: string) =>
      checkExpectations(nobody, evidence({ before: contractors, after: contractors, answer }));

    it.each([
      "No contractor holds SUPER_ADMIN.",
      "None of the contractors is a super admin.",
      "Nobody in Contractors holds SUPER_ADMIN; ivan.petrov@x.com is the only one.",
      "Contractors holding SUPER_ADMIN: 0.",
    ])("stated: %s", (answer) => {
      expect(judge(answer)).toEqual([]);
    });

    it("a wrong answer with a 'no' elsewhere states no count of none, and naming a contractor fails", () => {
      expect(
        judge("Yes: one contractor holds an admin role, omar.vendor@x.com. No other member holds one."),
      ).toEqual([
        'the answer must name none of the users with group "Contractors" (initial state), but names omar.vendor@x.com',
        'the answer should state the count of users with role "SUPER_ADMIN", group "Contractors" (initial state): 0, next to a word for them (e.g. "0 users")',
      ]);
      expect(judge("There is no problem here.")).toEqual([
        'the answer should state the count of users with role "SUPER_ADMIN", group "Contractors" (initial state): 0, next to a word for them (e.g. "0 users")',
      ]);
    });
  });

  it("a login inside a longer one is not a mention", () => {
    const ann = expectations({
      answer: { mentions: [{ users: { login: "joann.lee@x.com" } }], mentionsNoOthers: true },
    });
    expect(
      checkExpectations(ann, evidence({ before: org, after: org, answer: "only joann.lee@x.com" })),
    ).toEqual([]);
  });

  it("a query that finds nothing fails rather than passing vacuously", () => {
    const none = expectations({ answer: { mentions: [{ users: { role: "APP_ADMIN" } }] } });
    expect(checkExpectations(none, evidence({ before: org, after: org, answer: "" }))).toEqual([
      'nothing matches users with role "APP_ADMIN" (initial state), so the answer cannot name it',
    ]);
  });

  it("literal text checks remain", () => {
    const want = expectations({
      answer: { contains: ["SUPER_ADMIN"], notContains: ["tom"], matches: "^warning" },
    });
    expect(checkExpectations(want, evidence({ answer: "WARNING: ivan holds super_admin" }))).toEqual([]);
    expect(checkExpectations(want, evidence({ answer: "tom is fine" }))).toEqual([
      'the answer should mention "SUPER_ADMIN"',
      'the answer must not mention "tom"',
      "the answer should match /^warning/",
    ]);
  });
});
