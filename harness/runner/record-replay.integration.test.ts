import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { normaliseRequest } from "./recording.js";
import { runScenario } from "./run-scenario.js";
import { loadScenario } from "./scenario.js";
import { serveScript } from "./scripted-model.js";

/**
 * Record against "a real model" — the scenario's script served on an OpenAI-compatible URL of its
 * own, standing in for one — then replay the recording with no model at all.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const STAND_IN = "https://stand-in-model.test/v1";
const SECRET_KEY = "sk-test-DO-NOT-LEAK-0123456789abcdef";

let stopModel: (() => void) | undefined;
afterEach(() => stopModel?.());

describe("record and replay", () => {
  it("records a run, scrubbed of secrets, and replays it without the model", async () => {
    const scenario = await loadScenario(join(ROOT, "scenarios/deprovisioning.yaml"));
    const recordingFile = join(mkdtempSync(join(tmpdir(), "paceline-rec-")), "deprovisioning.json");
    const model = serveScript(scenario.script, STAND_IN);
    stopModel = model.stop;
    const recorded = await runScenario(scenario, {
      mode: "record",
      baseURL: STAND_IN,
      apiKey: SECRET_KEY,
      model: "stand-in",
      recordingFile,
    });
    expect(recorded.error).toBeUndefined();
    expect(recorded.passed).toBe(true);
    model.stop();
    stopModel = undefined;

    const text = readFileSync(recordingFile, "utf8");
    const recording = JSON.parse(text) as {
      interactions: { hash: string; request: unknown; response: unknown }[];
    };
    expect(recording.interactions).toHaveLength(5);
    expect(text).not.toContain(SECRET_KEY);
    expect(text).not.toMatch(/SSWS [\w-]{10,}/);
    expect(text).not.toMatch(/\/mcp\/[\w-]{16,}/);

    const replayed = await runScenario(scenario, { mode: "replay", baseURL: STAND_IN, recordingFile });
    expect(replayed.error).toBeUndefined();
    expect(replayed.passed).toBe(true);
    expect(replayed.answer).toBe(recorded.answer);
  });

  it("a request that matches no recording fails loudly instead of falling through", async () => {
    const scenario = await loadScenario(join(ROOT, "scenarios/deprovisioning.yaml"));
    const recordingFile = join(mkdtempSync(join(tmpdir(), "paceline-rec-")), "x.json");
    const model = serveScript(scenario.script, STAND_IN);
    stopModel = model.stop;
    await runScenario(scenario, { mode: "record", baseURL: STAND_IN, apiKey: SECRET_KEY, recordingFile });
    model.stop();
    stopModel = undefined;
    // The same recording, but the user asks for something else: the first request differs.
    const changed = { ...scenario, prompt: `${scenario.prompt} Also say hello.` };
    const result = await runScenario(changed, { mode: "replay", baseURL: STAND_IN, recordingFile });
    expect(result.passed).toBe(false);
    expect(result.error).toMatch(/replay: 1 request\(s\) matched no recording/);
  });

  it("normalises volatile values and secrets before hashing", () => {
    const a = normaliseRequest({
      messages: [{ content: '{"next_cursor":"abc.def","errorId":"oaeAbCdEfGhIjKlMnOpQ"}' }],
      model: "m",
    });
    const b = normaliseRequest({
      model: "m",
      messages: [{ content: '{"next_cursor":"xyz.uvw","errorId":"oaeZzZzZzZzZzZzZzZzZ"}' }],
    });
    expect(a).toBe(b);
    expect(normaliseRequest({ auth: "Bearer sk-live-secret-123456789" })).not.toContain("sk-live");
  });
});
