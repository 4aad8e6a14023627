import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../harness/start.js";
import { cleanSchema, connect, type PacedClient } from "./index.js";

let harness: Harness | undefined;
let client: PacedClient | undefined;
afterEach(async () => {
  await client?.close();
  await harness?.close();
  client = undefined;
  harness = undefined;
});

const fixture = {
  users: [
    ...Array.from({ length: 25 }, (_, i) => ({
      login: `user${i}@company.com`,
      firstName: "User",
      lastName: `N${i}`,
    })),
    { login: "sam.staged@company.com", firstName: "Sam", lastName: "Staged", status: "STAGED" as const },
  ],
};

describe("OpenAI function tools from the gateway's tools", () => {
  it("in the Chat Completions and Responses shapes, with clean schemas", async () => {
    harness = await startHarness({ fixture, limits: "none" });
    client = await connect(harness.gateway.mcpUrl);
    const chat = client.openai.tools();
    expect(chat.length).toBe(client.listTools().length);
    const suspend = chat.find((t) => t.function.name === "okta_users_suspend");
    expect(suspend).toMatchObject({
      type: "function",
      function: {
        parameters: { type: "object", properties: { userId: { type: "string" } }, required: ["userId"] },
      },
    });
    expect(suspend?.function.description).toContain("Accepts only ACTIVE users");
    const responses = client.openai.tools({ format: "responses" });
    expect(responses.find((t) => t.name === "list_all_okta_users")).toMatchObject({
      type: "function",
      strict: false,
      parameters: { type: "object" },
    });
  });

  it("cleans schemas of keys OpenAI rejects, keeping what it accepts", () => {
    const cleaned = cleanSchema({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: {
        a: { type: "string", examples: ["x"], description: "kept" },
        b: { $comment: "gone", type: "integer" },
      },
      required: ["a", "ghost"],
    });
    expect(cleaned).toEqual({
      type: "object",
      properties: { a: { type: "string", description: "kept" }, b: { type: "integer" } },
      required: ["a"],
    });
    expect(cleanSchema({})).toEqual({ type: "object", properties: {}, required: [] });
  });
});

describe("running the model's tool calls", () => {
  it("answers chat tool calls with tool messages, in order, errors as actionable text", async () => {
    harness = await startHarness({ fixture, limits: "none" });
    client = await connect(harness.gateway.mcpUrl);
    const messages = await client.openai.run([
      { id: "call_1", type: "function", function: { name: "list_all_okta_users", arguments: '{"q":"Sam"}' } },
      {
        id: "call_2",
        type: "function",
        function: { name: "okta_users_suspend", arguments: '{"userId":"sam.staged@company.com"}' },
      },
      { id: "call_3", type: "function", function: { name: "okta_users_suspend", arguments: "{not json" } },
      { id: "call_4", type: "function", function: { name: "okta_users_vaporize", arguments: "{}" } },
    ]);
    expect(messages.map((m) => ("tool_call_id" in m ? m.tool_call_id : ""))).toEqual([
      "call_1",
      "call_2",
      "call_3",
      "call_4",
    ]);
    const [list, refused, badJson, unknown] = messages.map((m) => String("content" in m ? m.content : ""));
    expect(JSON.parse(list ?? "").result[0].profile.login).toBe("sam.staged@company.com");
    expect(refused).toContain("E0000001");
    expect(refused).toContain("Cannot suspend a user that is not active");
    // The adapter knows no gateway's tool names: it says what to do, not which tool to call.
    expect(refused).toContain("read the user's current status");
    expect(refused).toContain("Do not repeat this call");
    expect(badJson).toContain("not a JSON object");
    expect(unknown).toContain("no tool named okta_users_vaporize");
    expect(harness.okta.state.org.getUser("sam.staged@company.com").status).toBe("STAGED");
  });

  it("answers Responses function calls with function_call_output items", async () => {
    harness = await startHarness({ fixture, limits: "none" });
    client = await connect(harness.gateway.mcpUrl);
    const [output] = await client.openai.run([
      {
        type: "function_call",
        call_id: "fc_1",
        name: "get_single_okta_user_by_id",
        arguments: '{"id":"user3@company.com"}',
      },
    ]);
    expect(output).toMatchObject({ type: "function_call_output", call_id: "fc_1" });
    expect(JSON.parse(String((output as { output: string }).output)).result.profile.lastName).toBe("N3");
  });

  it("with autoDrain, drains a list tool into one merged result, flagged when a cap truncates it", async () => {
    harness = await startHarness({ fixture, limits: "none" });
    client = await connect(harness.gateway.mcpUrl, { pagination: { autoDrain: true, maxItems: 20 } });
    const pages: number[] = [];
    client.on("page", (p) => pages.push(p.items));
    const [message] = await client.openai.run([
      { id: "c", type: "function", function: { name: "list_all_okta_users", arguments: '{"limit":8}' } },
    ]);
    const merged = JSON.parse(String((message as { content: string }).content));
    expect(merged.result).toHaveLength(20);
    expect(merged).toMatchObject({ next_cursor: null, truncated: true, stop_reason: "max_items", pages: 3 });
    expect(pages).toEqual([8, 8, 8]);
    const all = await client.drain("list_all_okta_users", { limit: 8 }, { maxItems: 1000 });
    expect(all).toMatchObject({ stopReason: "end", truncated: false, pages: 4 });
    expect(all.items).toHaveLength(26);
  });
});
