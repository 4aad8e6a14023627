import { describe, expect, it } from "vitest";
import { filterTools } from "./server-registry.js";
import { buildTools } from "./tools.js";

const HERO_TOOLS = [
  "list_all_okta_users",
  "get_single_okta_user_by_id",
  "create_a_okta_user",
  "update_a_okta_user_by_id",
  "delete_a_okta_user_by_id",
  "okta_users_suspend",
  "okta_users_unsuspend",
  "okta_users_activate",
  "okta_users_deactivate",
  "okta_users_unlock",
  "okta_users_reset_password",
  "okta_users_expire_password",
  "delete_a_okta_user_session",
  "list_all_okta_user_groups",
  "list_all_okta_user_roles",
  "create_a_okta_user_role",
  "list_all_okta_groups",
  "get_single_okta_group_by_id",
  "list_all_okta_group_members",
  "create_a_okta_group_member",
  "delete_a_okta_group_member_by_id",
  "list_all_okta_system_logs",
];

describe("tools generated from the resource table", () => {
  const tools = buildTools();
  const byName = new Map(tools.map((t) => [t.name, t]));

  it("include every hero tool, named by the gateway convention, each once", () => {
    for (const name of HERO_TOOLS) expect(byName.has(name), name).toBe(true);
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
  });

  it("carry annotations from their method", () => {
    for (const tool of tools) {
      const isRead = tool.name.startsWith("list_") || tool.name.startsWith("get_");
      expect(tool.annotations.readOnlyHint, tool.name).toBe(isRead);
    }
    for (const name of ["delete_a_okta_user_by_id", "okta_users_deactivate", "okta_users_suspend"]) {
      expect(byName.get(name)?.annotations.destructiveHint, name).toBe(true);
    }
    expect(byName.get("okta_users_unsuspend")?.annotations.destructiveHint).toBe(false);
    for (const name of ["create_a_okta_group_member", "delete_a_okta_user_session"]) {
      expect(byName.get(name)?.annotations.idempotentHint, name).toBe(true);
    }
    expect(byName.get("okta_users_suspend")?.annotations.idempotentHint).toBe(false);
    expect(byName.get("create_a_okta_user")?.annotations.idempotentHint).toBe(false);
  });

  it("describe the API as its docs do (what each call accepts and answers), not an agent's workflow", () => {
    for (const tool of tools.filter((t) => t.spec.method === "list")) {
      expect(tool.description, tool.name).toContain("exactly as received");
      expect(tool.inputSchema.properties).toHaveProperty("next_cursor");
      expect(tool.inputSchema.properties).toHaveProperty("limit");
    }
    const suspend = byName.get("okta_users_suspend")?.description ?? "";
    expect(suspend).toContain("Accepts only ACTIVE users (otherwise 400 E0000001)");
    expect(byName.get("delete_a_okta_user_by_id")?.description).toContain(
      "only a second call deletes it, for good",
    );
    expect(byName.get("list_all_okta_system_logs")?.description).toContain("never runs out");
    // Workflow advice lives in the scenario runner's system prompt, as no real gateway would give it.
    for (const tool of tools)
      expect(tool.description, tool.name).not.toMatch(
        /offboarding|workflow|Never use this|you should|first\b.*then/i,
      );
  });

  it("have flat input schemas: path, query and body parameters side by side", () => {
    const create = byName.get("create_a_okta_user");
    expect(Object.keys(create?.inputSchema.properties ?? {}).sort()).toEqual([
      "activate",
      "credentials",
      "groupIds",
      "profile",
    ]);
    expect(create?.inputSchema.required).toEqual(["profile"]);
    expect(byName.get("okta_users_suspend")?.inputSchema.required).toEqual(["userId"]);
  });

  it.each([
    [{ methods: ["read"] }, (n: string) => n.startsWith("list_") || n.startsWith("get_")],
    [{ methods: ["write"] }, (n: string) => /^(create|update|delete)_/.test(n)],
    [{ methods: ["custom"] }, (n: string) => n.startsWith("okta_users_") || n.startsWith("okta_apps_")],
    [
      { methods: ["suspend", "list_all_okta_groups"] },
      (n: string) => n === "okta_users_suspend" || n === "list_all_okta_groups",
    ],
    [
      { tags: ["groups", "group_members"] },
      (n: string) => n.includes("group") && !n.includes("user_group") && !n.includes("app_group"),
    ],
    [{ methods: ["read"], tags: ["users.list"] }, (n: string) => n === "list_all_okta_users"],
  ])("filter %j", (config, expected) => {
    const names = filterTools(tools, config).map((t) => t.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names).toEqual(tools.map((t) => t.name).filter(expected));
  });
});
