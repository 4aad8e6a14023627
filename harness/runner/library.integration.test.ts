import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { junitXml } from "./report.js";
import { runScenario } from "./run-scenario.js";
import { loadScenario } from "./scenario.js";
import { serveScript } from "./scripted-model.js";
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
    // Per bucket, from the journal: four calls reached Okta (a read and three lifecycle writes).
    const answered = Object.values(result.buckets).reduce((n, b) => n + b.ok.reduce((x, y) => x + y, 0), 0);
    expect(answered).toBe(4);
  });
});

describe("live mode against any OpenAI-compatible endpoint", () => {
  it("talks to OPENAI_BASE_URL with the key and model given (a local server stands in)", async () => {
    const scenario = await loadScenario(join(ROOT, "scenarios/deprovisioning.yaml"));
    // Ollama's port, answered in-process by nock: nothing listens, nothing leaves the machine.
    const baseURL = "http://127.0.0.1:11434/v1";
    const model = serveScript(scenario.script, baseURL);
    try {
      const result = await runScenario(scenario, {
        mode: "live",
        baseURL,
        apiKey: "local-key",
        model: "local-model",
      });
      expect(result.error).toBeUndefined();
      expect(result.failures).toEqual([]);
      expect(model.requests).toHaveLength(result.turns);
      expect(model.requests.every((r) => r.bearer && r.model === "local-model")).toBe(true);
    } finally {
      model.stop();
    }
  });
});

describe("the scripted model's calls per turn", () => {
  // No provider documents a cap (DEFAULT_CALLS_PER_TURN says why 10): the same scripts must hold at any.
  // Turns of remove-suspended-members, worked by hand: find the group (1), its first page (1), three
  // more pages of 200 (608 members: 3), the 22 SUSPENDED members' removals (22, 3 or 1), the answer (1).
  it.each([
    [1, 28],
    [10, 9],
    [10_000, 7],
  ])(
    "at most %i call(s) a turn: %i turns, and the same end",
    async (cap, turns) => {
      for (const file of ["remove-suspended-members.yaml", "offboard-locked-out-contractor.yaml"]) {
        const scenario = await loadScenario(join(ROOT, "scenarios", file));
        const result = await runScenario({
          ...scenario,
          budget: { ...scenario.budget, callsPerTurn: cap, maxTurns: 200 },
        });
        expect(result.error, file).toBeUndefined();
        expect(result.failures, file).toEqual([]);
        if (file.startsWith("remove")) expect(result.turns).toBe(turns);
      }
    },
    60_000,
  );
});

describe("a refused call reaches the script as data", () => {
  it("its source, Okta's code and status, and summary: { error: { … } }", async () => {
    const scenario = await loadScenario(join(ROOT, "scenarios/refused-transition.yaml"));
    const result = await runScenario({
      ...scenario,
      script: [
        { tools: [{ call: "okta_users_suspend", args: { userId: "nina.new@company.com" }, as: "suspend" }] },
        {
          say: "Okta refused ({{ suspend.error.source }} {{ suspend.error.code }} {{ suspend.error.status }}): {{ suspend.error.summary }}. Nina is STAGED; nothing was changed.",
        },
      ],
    } as typeof scenario);
    expect(result.error).toBeUndefined();
    expect(result.answer).toMatch(/^Okta refused \(okta E0000001 400\): Api validation failed: suspendUser/);
  });
});

describe("a run time limit (budget.timeMs)", () => {
  it("a run that needs longer stops at the first turn past it and fails naming the limit; a generous one passes", async () => {
    const scenario = await loadScenario(join(ROOT, "scenarios/deprovisioning.yaml"));
    // One millisecond: any turn through the real SDK, client, gateway and fake Okta takes longer.
    const tight = await runScenario({ ...scenario, budget: { ...scenario.budget, timeMs: 1 } });
    expect(tight.passed).toBe(false);
    expect(tight.failures[0]).toMatch(
      /did not finish within budget\.timeMs \(1 ms\): it had made \d+ tool call\(s\) in \d+ turn\(s\)/,
    );
    expect(tight.toolCalls).toBeLessThan(4);
    const roomy = await runScenario({ ...scenario, budget: { ...scenario.budget, timeMs: 600_000 } });
    expect(roomy.failures).toEqual([]);
    expect(roomy.toolCalls).toBe(4);
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
