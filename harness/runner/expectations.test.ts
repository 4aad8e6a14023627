import { describe, expect, it } from "vitest";
import type { OrgSnapshot } from "../fake-okta/snapshot.js";
import { checkExpectations, type RunEvidence } from "./expectations.js";
import { ScenarioSchema } from "./scenario.js";

const user = (login: string, status = "ACTIVE", extra: Partial<OrgSnapshot["users"][number]> = {}) => ({
  id: `id-${login}`,
  login,
  status,
  profile: { login },
  groups: ["Everyone"],
  roles: [],
  sessions: 0,
  lastUpdated: "t",
  ...extra,
});
const snap = (...users: ReturnType<typeof user>[]): OrgSnapshot => ({ users, groups: [], logEvents: 0 });

function evidence(partial: Partial<RunEvidence>): RunEvidence {
  const base = snap(user("a@x.com"), user("b@x.com"));
  return { before: base, after: base, trajectory: [], journal: [], answer: "", ...partial };
}

/** Expectations as a scenario file would give them, with defaults filled in. */
function expectations(raw: unknown) {
  return ScenarioSchema.shape.expect.parse(raw);
}

describe("each expectation kind passes and fails", () => {
  it("final state of named users", () => {
    const want = expectations({
      users: [{ login: "a@x.com", status: "SUSPENDED", inGroups: ["VPN"], sessions: 0 }],
    });
    const good = evidence({
      after: snap(user("a@x.com", "SUSPENDED", { groups: ["Everyone", "VPN"] }), user("b@x.com")),
    });
    expect(checkExpectations(want, good)).toEqual([]);
    const bad = evidence({ after: snap(user("a@x.com", "ACTIVE", { sessions: 2 }), user("b@x.com")) });
    expect(checkExpectations(want, bad)).toEqual([
      "a@x.com should be SUSPENDED but is ACTIVE",
      'a@x.com should be in "VPN" but is not',
      "a@x.com should have 0 sessions but has 2",
    ]);
  });

  it("exact groups and roles, deletion", () => {
    const want = expectations({
      users: [
        { login: "a@x.com", groups: ["VPN"], roles: ["ORG_ADMIN"] },
        { login: "b@x.com", deleted: true },
      ],
    });
    expect(
      checkExpectations(
        want,
        evidence({
          after: snap(user("a@x.com", "ACTIVE", { groups: ["Everyone", "VPN"], roles: ["ORG_ADMIN"] })),
        }),
      ),
    ).toEqual([]);
    expect(checkExpectations(want, evidence({}))).toEqual([
      "a@x.com should be in exactly [VPN] but is in []",
      "a@x.com should have roles [ORG_ADMIN] but has []",
      "b@x.com should have been deleted but still exists (ACTIVE)",
    ]);
  });

  it("everything not named is unchanged (and nothing new appears)", () => {
    const want = expectations({ users: [{ login: "a@x.com" }] });
    expect(checkExpectations(want, evidence({}))).toEqual([]);
    const touched = evidence({
      after: snap(user("a@x.com"), user("b@x.com", "ACTIVE", { roles: ["SUPER_ADMIN"] }), user("c@x.com")),
    });
    expect(checkExpectations(want, touched)).toEqual([
      "b@x.com was not to be touched, but its roles changed from [] to [SUPER_ADMIN]",
      "c@x.com was created, which was not asked for",
    ]);
    expect(checkExpectations(expectations({ othersUnchanged: false }), touched)).toEqual([]);
  });

  it("calls: include, order, exclude, max, per tool", () => {
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
    const fine = [
      { tool: "okta_users_suspend", args: {} },
      { tool: "okta_users_deactivate", args: {} },
    ];
    expect(checkExpectations(want, evidence({ trajectory: fine }))).toEqual([]);
  });

  it("never on a status, no writes, tool errors, coverage, outputs", () => {
    const want = expectations({
      never: [{ call: "delete_a_okta_user_by_id", userStatus: "ACTIVE" }],
      noWrites: true,
      maxToolErrors: 0,
      coverage: { call: "list_all_okta_user_roles", of: "list_all_okta_users" },
      outputs: { contains: ["empty_page"] },
    });
    const bad = evidence({
      trajectory: [
        {
          tool: "list_all_okta_users",
          args: {},
          output: JSON.stringify({ result: [{ id: "u1" }, { id: "u2" }] }),
        },
        { tool: "list_all_okta_user_roles", args: { userId: "u1" }, output: "Rate limited by Okta" },
        { tool: "list_all_okta_user_roles", args: { userId: "u1" }, output: "{}" },
        { tool: "delete_a_okta_user_by_id", args: { id: "u2" }, userStatus: "ACTIVE", internal: true },
      ],
      journal: [{ method: "DELETE", path: "/api/v1/users/u2" } as RunEvidence["journal"][number]],
    });
    expect(checkExpectations(want, bad)).toEqual([
      "1 of 2 items listed by list_all_okta_users never went to list_all_okta_user_roles",
      "1 items went to list_all_okta_user_roles more than once",
      "1 list_all_okta_user_roles calls ended in an error the model saw",
      'some tool output should contain "empty_page", none did',
      'delete_a_okta_user_by_id must never run on a ACTIVE user, but ran with {"id":"u2"}',
      "no write was allowed, but Okta received DELETE /api/v1/users/u2",
      "the agent saw 1 tool errors, more than 0",
    ]);
  });

  it("the answer", () => {
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
