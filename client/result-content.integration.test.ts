import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../harness/start.js";
import { connect } from "./index.js";

/**
 * Whether the gateway sends `structuredContent` beside the text block is unconfirmed for Truto, so
 * the gateway has both forms (`result_content`) and the client is held to the same behaviour
 * under each: pages drained, an Okta error explained, a 429 inside a result waited out.
 */
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe.each(["both", "text"] as const)("the client against result_content: %s", (resultContent) => {
  it("drains pages, explains an Okta refusal and absorbs a 429 reported in a result", async () => {
    harness = await startHarness({
      fixture: {
        generate: { users: 45, logs: 0 },
        users: [
          { login: "nina@company.com", firstName: "N", lastName: "N", status: "STAGED", password: false },
        ],
      },
      limits: "none",
      faults: {
        rules: [
          { path: "/api/v1/users/*/roles", times: 1, action: { type: "status", status: 429, resetMs: 100 } },
        ],
      },
      mcpServer: { name: "form", config: { result_content: resultContent } },
    });
    const client = await connect(harness.gateway.mcpUrl);
    const listed = harness.okta.state.org.users.filter((u) => u.status !== "DEPROVISIONED").length;
    const drained = await client.drain("list_all_okta_users", { limit: 10 });
    expect(drained.items).toHaveLength(listed);
    expect(drained.pages).toBe(Math.ceil(listed / 10));

    const raw = await client.callTool("okta_users_suspend", { userId: "nina@company.com" });
    expect(raw.structuredContent === undefined).toBe(resultContent === "text");
    const outcome = await client.openai.execute(
      "okta_users_suspend",
      JSON.stringify({ userId: "nina@company.com" }),
    );
    expect(outcome.error).toBe("server");
    expect(outcome.output).toMatch(/^Error from Okta E0000001 \(400\)/);

    const roles = await client.callTool("list_all_okta_user_roles", { userId: "nina@company.com" });
    expect(roles.isError ?? false).toBe(false);
    expect(client.stats()).toMatchObject({ rateLimited: 1, retries: 1 });
    await client.close();
  });
});
