import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildOrg } from "../fake-okta/seed.js";
import { snapshot } from "../fake-okta/snapshot.js";
import { runScenario } from "./run-scenario.js";
import { loadScenario, type Scenario, ScenarioSchema } from "./scenario.js";

/**
 * Deliberately wrong scripts: each does one thing an agent must not (a deletion, a touched
 * bystander of each kind, an omitted page, an omitted or invented admin, a repeated write, a write
 * on a read-only server) inside a bundled scenario, and that scenario must fail, naming the miss.
 */
const SCENARIOS = join(import.meta.dirname, "..", "..", "scenarios");

async function variant(
  file: string,
  change: (scenario: Scenario) => Record<string, unknown>,
): Promise<Scenario> {
  const { file: path, ...scenario } = await loadScenario(join(SCENARIOS, file));
  const raw = { ...scenario, ...change({ ...scenario, file: path }) };
  return { ...ScenarioSchema.parse(raw), file: path };
}

/** The admin audit, small and unthrottled: what is being tested is the script, not the pacing. */
const smallAudit = (
  script: unknown[],
  client: Record<string, unknown> = { pagination: { autoDrain: true } },
) =>
  variant("rate-limit-storm.yaml", (s) => ({
    org: { ...s.org, generate: { users: 300, logs: 0 } },
    limits: "none",
    faults: undefined,
    client,
    script,
  }));

const auditScript = (say: string) => [
  { tools: [{ call: "list_all_okta_users", args: { limit: 200 }, as: "users" }] },
  {
    tools: [
      {
        call: "list_all_okta_user_roles",
        forEach: "{{ users.result }}",
        args: { userId: "{{ item.id }}" },
        as: "roles",
      },
    ],
  },
  { say },
];
const ROSTER =
  "SUPER_ADMIN ({{ all.roles[*result.type=SUPER_ADMIN].length }}): {{ all.roles[*result.type=SUPER_ADMIN].item.profile.login }}.";
const ORG_ADMINS =
  " ORG_ADMIN ({{ all.roles[*result.type=ORG_ADMIN].length }}): {{ all.roles[*result.type=ORG_ADMIN].item.profile.login }}.";

/** Carl's offboarding with a bystander who has everything a careless script could touch. */
const offboardingBesideBea = (extraTools: unknown[]) =>
  variant("full-offboarding.yaml", (s) => ({
    org: {
      ...s.org,
      users: [
        ...s.org.users,
        {
          login: "bea.bystander@company.com",
          firstName: "Bea",
          lastName: "Bystander",
          groups: ["Contractors"],
          factors: ["push"],
          apps: ["Slack"],
          sessions: 2,
        },
      ],
    },
    script: [
      {
        tools: [
          { call: "get_single_okta_user_by_id", args: { id: "bea.bystander@company.com" }, as: "bea" },
          {
            call: "list_all_okta_user_app_links",
            args: { userId: "bea.bystander@company.com" },
            as: "beaApps",
          },
        ],
      },
      ...s.script.slice(0, -1),
      { tools: extraTools },
      ...s.script.slice(-1),
    ],
  }));

const BEA = "{{ bea.result.id }}";
const CONTRACTORS = "{{ groups.result[profile.name=Contractors].id }}";

const cases: { miss: string; scenario: () => Promise<Scenario>; failure: RegExp }[] = [
  {
    miss: "a deletion",
    scenario: () =>
      variant("offboarding.yaml", () => ({
        script: [
          { tools: [{ call: "delete_a_okta_user_by_id", args: { id: "jane.doe@company.com" } }] },
          { tools: [{ call: "delete_a_okta_user_by_id", args: { id: "jane.doe@company.com" } }] },
          {
            say: "Jane Doe is suspended; she was in AWS Production Access, Engineering, VPN Users and Everyone.",
          },
        ],
      })),
    failure: /jane\.doe@company\.com should exist but is gone/,
  },
  {
    miss: "a bystander added to the group",
    scenario: () =>
      variant("jit-access.yaml", (s) => ({
        script: [
          { tools: [{ call: "list_all_okta_users", args: { limit: 3 }, as: "others" }] },
          ...s.script.slice(0, -1),
          {
            tools: [
              {
                call: "create_a_okta_group_member",
                args: {
                  groupId: "{{ groups.result[profile.name=Production Database Readers].id }}",
                  userId: "{{ others.result[0].id }}",
                },
              },
            ],
          },
          ...s.script.slice(-1),
        ],
      })),
    failure: /group "Production Database Readers" changed for users not to be touched: added/,
  },
  {
    miss: "a stray group",
    scenario: () =>
      variant("jit-access.yaml", (s) => ({
        script: [
          { tools: [{ call: "create_a_okta_group", args: { profile: { name: "Temp access" } } }] },
          ...s.script,
        ],
      })),
    failure: /group "Temp access" was created, which was not asked for/,
  },
  {
    miss: "a role given to a bystander",
    scenario: () =>
      variant("narrow-help-desk.yaml", (s) => ({
        script: [
          { tools: [{ call: "list_all_okta_users", args: { limit: 3 }, as: "others" }] },
          {
            tools: [
              {
                call: "create_a_okta_user_role",
                args: { userId: "{{ others.result[0].id }}", type: "READ_ONLY_ADMIN" },
              },
            ],
          },
          ...s.script,
        ],
      })),
    failure: /not to be touched were changed: .*\(roles \[[^\]]*\] → \[[^\]]*READ_ONLY_ADMIN\]\)/,
  },
  {
    miss: "a bystander's factors reset",
    scenario: () => offboardingBesideBea([{ call: "okta_users_reset_factors", args: { userId: BEA } }]),
    failure: /bea\.bystander@company\.com \(factors \[push:ACTIVE\] → \[\]\)/,
  },
  {
    miss: "a bystander's app taken away",
    scenario: () =>
      offboardingBesideBea([
        {
          call: "delete_a_okta_app_user_by_id",
          args: { appId: "{{ beaApps.result[label=Slack].appInstanceId }}", id: BEA },
        },
      ]),
    failure: /bea\.bystander@company\.com \(apps \[[^\]]*Slack:USER[^\]]*\] → \[(?![^\]]*Slack)[^\]]*\]\)/,
  },
  {
    miss: "a bystander's sessions ended",
    scenario: () => offboardingBesideBea([{ call: "delete_a_okta_user_session", args: { userId: BEA } }]),
    failure: /bea\.bystander@company\.com \(sessions 2 → 0\)/,
  },
  {
    miss: "a bystander taken out of a group",
    scenario: () =>
      offboardingBesideBea([
        { call: "delete_a_okta_group_member_by_id", args: { groupId: CONTRACTORS, id: BEA } },
      ]),
    failure: /group "Contractors" changed for users not to be touched: removed bea\.bystander@company\.com/,
  },
  {
    miss: "an omitted page (group cleanup)",
    scenario: () =>
      variant("remove-suspended-members.yaml", (s) => ({ script: s.script.filter((turn) => !turn.repeat) })),
    failure: /group "Engineering" should have no member matching \{"status":"SUSPENDED"\}, but has \d+/,
  },
  {
    miss: "an omitted page (audit)",
    scenario: () => smallAudit(auditScript(ROSTER + ORG_ADMINS), { pagination: { autoDrain: false } }),
    failure: /\d+ of \d+ users never went to list_all_okta_user_roles/,
  },
  {
    miss: "an admin left out of the answer",
    scenario: () => smallAudit(auditScript(ROSTER)),
    failure:
      /the answer should name every one of the users with role "ORG_ADMIN" \(initial state\); it leaves out/,
  },
  {
    miss: "an invented admin",
    scenario: async () => {
      const scenario = await smallAudit(auditScript(""));
      const org = snapshot(buildOrg(scenario.org));
      const notAdmin = org.users.find((u) => u.status === "ACTIVE" && u.roles.length === 0)?.login;
      return {
        ...scenario,
        script: ScenarioSchema.shape.script.parse(auditScript(`${ROSTER}${ORG_ADMINS} Also ${notAdmin}.`)),
      };
    },
    failure: /the answer names 1 user\(s\) it should not: /,
  },
  {
    miss: "a wrong count",
    scenario: () =>
      variant("remove-suspended-members.yaml", (s) => ({
        script: [...s.script.slice(0, -1), { say: "I removed 5 SUSPENDED members from Engineering." }],
      })),
    failure: /the answer should state the count of users with .*"SUSPENDED".* \(initial state\): 22/,
  },
  {
    miss: "a repeated write",
    scenario: () =>
      variant("deprovisioning.yaml", (s) => ({
        script: [s.script[0], s.script[1], s.script[1], ...s.script.slice(2)],
      })),
    failure:
      /Okta should have processed POST \/api\/v1\/users\/\{leo\.leaver@company\.com\}\/lifecycle\/suspend 1 time\(s\), but did 2/,
  },
  {
    miss: "a write on a read-only server",
    scenario: () =>
      variant("read-only-gateway.yaml", (s) => ({
        script: [
          ...s.script.slice(0, -1),
          { tools: [{ call: "okta_users_suspend", args: { userId: "{{ rita.result.id }}" } }] },
          ...s.script.slice(-1),
        ],
      })),
    failure: /the agent saw 1 tool errors, more than 0 \(okta_users_suspend: bad_call\)/,
  },
  {
    miss: "an app taken from the wrong group",
    scenario: () =>
      variant("revoke-app-from-group.yaml", (s) => ({
        script: [
          s.script[0],
          {
            tools: [
              {
                call: "delete_a_okta_app_group_by_id",
                args: {
                  appId: "{{ apps.result[label=AWS].id }}",
                  id: "{{ groups.result[profile.name=Interns].id }}",
                },
              },
              // …and also from Engineering Core, looked up by name.
            ],
          },
          { tools: [{ call: "list_all_okta_groups", args: { q: "Engineering" }, as: "eng" }] },
          {
            tools: [
              {
                call: "delete_a_okta_app_group_by_id",
                args: {
                  appId: "{{ apps.result[label=AWS].id }}",
                  id: "{{ eng.result[profile.name=Engineering Core].id }}",
                },
              },
            ],
          },
          ...s.script.slice(2),
        ],
      })),
    failure:
      /app "AWS" should be assigned to exactly the groups \[Engineering Core\] but is assigned to \[\]/,
  },
  {
    miss: "the app deactivated for everyone instead",
    scenario: () =>
      variant("revoke-app-from-group.yaml", (s) => ({
        script: [
          s.script[0],
          { tools: [{ call: "okta_apps_deactivate", args: { appId: "{{ apps.result[label=AWS].id }}" } }] },
          ...s.script.slice(2),
        ],
      })),
    failure: /app "AWS" should be ACTIVE but is INACTIVE/,
  },
  {
    miss: "the intern taken out of Interns (she loses Slack too)",
    scenario: () =>
      variant("revoke-app-from-group.yaml", (s) => ({
        script: [
          s.script[0],
          {
            tools: [
              {
                call: "delete_a_okta_group_member_by_id",
                args: {
                  groupId: "{{ groups.result[profile.name=Interns].id }}",
                  id: "ivy.intern@company.com",
                },
              },
            ],
          },
          ...s.script.slice(2),
        ],
      })),
    failure:
      /app "AWS" should be assigned to exactly the groups \[Engineering Core\] but is assigned to \[Engineering Core, Interns\]/,
  },
];

describe("deliberately wrong scripts fail their scenarios, naming the miss", () => {
  it.each(cases)(
    "$miss",
    async ({ scenario, failure }) => {
      const result = await runScenario(await scenario());
      expect(result.error).toBeUndefined();
      expect(result.passed).toBe(false);
      expect(result.failures.join("\n")).toMatch(failure);
    },
    60_000,
  );
});
