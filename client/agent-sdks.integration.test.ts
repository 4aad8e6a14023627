import { join } from "node:path";
import { Agent, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled } from "@openai/agents";
import nock from "nock";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { checkExpectations, type TrajectoryStep } from "../harness/runner/expectations.js";
import { loadScenario } from "../harness/runner/scenario.js";
import { inProcessHarness, type ScenarioHarness } from "../harness/runner/scenario-harness.js";
import { SCRIPTED_BASE_URL, serveScript } from "../harness/runner/scripted-model.js";
import { type Harness, startHarness } from "../harness/start.js";
import { agentsTools } from "./agents-sdk.js";
import { aiSdkTools } from "./ai-sdk.js";
import { connect, type PacedClient } from "./index.js";

/**
 * paceline's tools inside agent SDKs: a bundled scenario run by the @openai/agents runner (the
 * scripted model behind nock, as the plain loop uses) reaching the same end state, and the Vercel
 * AI SDK tool set executing against the harness with the same error wording as every adapter.
 */
const ROOT = join(import.meta.dirname, "..");
let client: PacedClient | undefined;
let harness: Harness | ScenarioHarness | undefined;
afterEach(async () => {
  await client?.close();
  await harness?.close();
  client = undefined;
  harness = undefined;
  nock.enableNetConnect();
});

describe("@openai/agents: agentsTools(client)", () => {
  it("the deprovisioning scenario, run by the Agents SDK runner, passes the same expectations", async () => {
    const scenario = await loadScenario(join(ROOT, "scenarios/deprovisioning.yaml"));
    const scenarioHarness = await inProcessHarness(scenario);
    harness = scenarioHarness;
    const before = await scenarioHarness.snapshot();
    client = await connect(scenarioHarness.mcpUrl);
    const trajectory: TrajectoryStep[] = [];
    client.on("call", ({ tool, args }) => {
      trajectory.push({
        tool,
        args,
        userStatus: scenarioHarness.userStatus(String(args.userId ?? args.id ?? "")),
      });
    });
    nock.disableNetConnect();
    nock.enableNetConnect((host) => host.startsWith("127.0.0.1"));
    const model = serveScript(scenario.script, SCRIPTED_BASE_URL, scenario.budget.callsPerTurn);
    setTracingDisabled(true);
    setOpenAIAPI("responses");
    setDefaultOpenAIClient(
      new OpenAI({ baseURL: SCRIPTED_BASE_URL, apiKey: "offline-no-key", maxRetries: 0 }),
    );
    try {
      const agent = new Agent({
        name: "okta-admin",
        instructions: "You administer an Okta org through its tools.",
        model: "gpt-4.1-mini",
        tools: agentsTools(client),
      });
      const result = await run(agent, scenario.prompt, { maxTurns: scenario.budget.maxTurns });
      expect(model.errors).toEqual([]);
      const failures = checkExpectations(scenario.expect, {
        before,
        after: await scenarioHarness.snapshot(),
        trajectory,
        journal: await scenarioHarness.journal(),
        answer: String(result.finalOutput ?? ""),
      });
      expect(failures).toEqual([]);
      expect(trajectory.map((s) => s.tool)).toEqual([
        "get_single_okta_user_by_id",
        "okta_users_suspend",
        "delete_a_okta_user_session",
        "okta_users_deactivate",
      ]);
    } finally {
      model.stop();
    }
  });
});

describe("Vercel AI SDK: aiSdkTools(client)", () => {
  it("executes through paceline's client; a refusal comes back as Okta's code and the next step", async () => {
    harness = await startHarness({
      fixture: {
        users: [
          {
            login: "nina.new@company.com",
            firstName: "Nina",
            lastName: "New",
            status: "STAGED",
            password: false,
          },
          { login: "ann@company.com", firstName: "Ann", lastName: "A" },
        ],
      },
      limits: "none",
    });
    client = await connect(harness.gateway.mcpUrl);
    const tools = aiSdkTools(client);
    const options = { toolCallId: "t1", messages: [], context: {} };
    const suspend = tools.okta_users_suspend;
    const get = tools.get_single_okta_user_by_id;
    if (!suspend?.execute || !get?.execute) throw new Error("tools missing");
    const refused = String(await suspend.execute({ userId: "nina.new@company.com" }, options));
    expect(refused).toMatch(
      /^Error from Okta E0000001 \(400\): .*Cannot suspend a user that is not active\./,
    );
    expect(refused).toContain("read the user's current status");
    const found = JSON.parse(String(await get.execute({ id: "ann@company.com" }, options))) as {
      result: { profile: { login: string } };
    };
    expect(found.result.profile.login).toBe("ann@company.com");
    expect(Object.keys(tools).length).toBe(client.listTools().length);
  });
});
