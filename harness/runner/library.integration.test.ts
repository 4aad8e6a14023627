import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { junitXml } from "./report.js";
import { runScenario } from "./run-scenario.js";
import { loadScenario } from "./scenario.js";
import { defineScenarioSuite } from "./vitest.js";

const ROOT = join(import.meta.dirname, "..", "..");

// The whole bundled library, scripted: the real openai SDK, client, gateway and fake Okta; no key, no network.
defineScenarioSuite(join(ROOT, "scenarios"));

describe("the Responses API", () => {
  it("the Responses API runs the same script to the same end state", async () => {
    const scenario = await loadScenario(join(ROOT, "scenarios/deprovisioning.yaml"));
    const result = await runScenario(scenario, { api: "responses" });
    expect(result.error).toBeUndefined();
    expect(result.failures).toEqual([]);
    expect(result.toolCalls).toBe(4);
    expect(result.answer).toContain("deactivated");
  });
});

describe("a script that breaks the rules", () => {
  it("fails the run, naming every rule it broke, and JUnit reports a failure", async () => {
    const scenario = await loadScenario(join(ROOT, "test/fixtures/scenarios/deletes-active-user.yaml"));
    const result = await runScenario(scenario);
    expect(result.passed).toBe(false);
    expect(result.error).toBeUndefined();
    const text = result.failures.join("\n");
    expect(text).toContain("delete_a_okta_user_by_id must never be called, but was");
    expect(text).toContain(
      'delete_a_okta_user_by_id must never run on a ACTIVE user, but ran with {"id":"victim@company.com"}',
    );
    expect(text).toContain('the answer should mention "suspended"');
    expect(text).toContain(
      "1 user(s) not to be touched were changed: bystander@company.com (status ACTIVE → SUSPENDED)",
    );
    expect(result.failures).toHaveLength(4);
    const xml = junitXml([result]);
    expect(xml).toContain('failures="1" errors="0"');
    expect(xml).toContain("<failure message=");
  });

  it("a crash (a script reference to nothing) is an error, not a failure", async () => {
    const scenario = await loadScenario(join(ROOT, "scenarios/offboarding.yaml"));
    const broken = {
      ...scenario,
      script: [
        { tools: [{ call: "okta_users_suspend", args: { userId: "{{ nobody.result.id }}" } }] },
        { say: "x" },
      ],
    };
    const result = await runScenario(broken);
    expect(result.passed).toBe(false);
    expect(result.error).toMatch(/no earlier result labelled 'nobody'/);
    expect(junitXml([result])).toContain('failures="0" errors="1"');
  });
});

// The bundled recordings (made with `paceline record scenarios --scripted`) replay through nock.
defineScenarioSuite(join(ROOT, "scenarios"), { mode: "replay" });
