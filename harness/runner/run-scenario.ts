import { basename, dirname, join } from "node:path";
import nock from "nock";
import OpenAI from "openai";
import { connect, type PacedClient } from "../../client/index.js";
import { type AgentRun, runAgent } from "../agent/agent.js";
import { type BucketSeries, bucketTimelines } from "../loadtest/run-loadtest.js";
import { checkExpectations, type TrajectoryStep } from "./expectations.js";
import {
  type Interaction,
  loadRecording,
  recordingFetch,
  saveRecording,
  serveRecording,
} from "./recording.js";
import type { Scenario } from "./scenario.js";
import {
  inProcessHarness,
  type RemoteHarness,
  remoteHarness,
  type ScenarioHarness,
} from "./scenario-harness.js";
import { SCRIPTED_BASE_URL, serveScript } from "./scripted-model.js";

/**
 * Runs one scenario end to end: starts the harness in-process from the scenario's org, gateway,
 * limits and faults; connects paceline's client; runs the agent against the chosen model; scores
 * the final state, trajectory and answer.
 *
 * Modes: `scripted` (the scenario's script served through nock: no key, no network), `replay`
 * (a recording served through nock), `live` (a real OpenAI-compatible endpoint), `record` (live,
 * saving a recording beside the scenario).
 */
export type RunMode = "scripted" | "replay" | "live" | "record";

export interface RunOptions {
  mode?: RunMode;
  model?: string;
  /** Live and record modes: OPENAI_BASE_URL and OPENAI_API_KEY by default. */
  baseURL?: string;
  apiKey?: string;
  api?: "chat" | "responses";
  recordingFile?: string;
  /** Record mode: the scenario's own script stands in for the model (replay fixtures with no key). */
  scriptedStandIn?: boolean;
  /** Run against a running harness (`paceline serve`, the container) instead of starting one. */
  remote?: RemoteHarness;
  /** Scripted mode: a reference to a result the script never got resolves to null (mutants). */
  lenientScript?: boolean;
}

const STAND_IN_BASE_URL = "https://scripted-stand-in.paceline.invalid/v1";

export interface ScenarioResult {
  name: string;
  file: string;
  passed: boolean;
  /** Expectations that were not met. */
  failures: string[];
  /** A crash (harness, model, script) rather than a miss. */
  error?: string;
  toolCalls: number;
  /** Model turns taken (the final answer included). */
  turns: number;
  rateLimited: number;
  retries: number;
  durationMs: number;
  /** Per Okta bucket, from the fake's journal, per 250 ms: answered calls, 429s, lowest remaining budget. */
  buckets: Record<string, BucketSeries>;
  answer: string;
  /** The model's tool calls in order, with how each ended (`run --verbose` prints them). */
  trajectory: TrajectoryLine[];
}

export interface TrajectoryLine {
  turn: number;
  tool: string;
  /** The arguments as the model sent them (JSON text). */
  args: string;
  /** `ok`, or the error kind the adapter gave the output. */
  outcome: string;
  /** The start of the output (200 characters). */
  output: string;
  turnMs: number;
}

export function recordingFileFor(scenario: Scenario): string {
  return join(
    dirname(scenario.file),
    "recordings",
    `${basename(scenario.file).replace(/\.ya?ml$/, "")}.json`,
  );
}

/** A result before the run: not passed, nothing counted. */
export function emptyResult(name: string, file: string): ScenarioResult {
  return {
    name,
    file,
    passed: false,
    failures: [],
    toolCalls: 0,
    turns: 0,
    rateLimited: 0,
    retries: 0,
    durationMs: 0,
    buckets: {},
    answer: "",
    trajectory: [],
  };
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioResult> {
  const mode = options.mode ?? "scripted";
  const started = performance.now();
  const result = emptyResult(scenario.name, scenario.file);
  let harness: ScenarioHarness | undefined;
  let client: PacedClient | undefined;
  const stops: (() => void)[] = [];
  const offline = mode === "scripted" || mode === "replay";
  try {
    if (offline) {
      // Only the harness on 127.0.0.1 may be reached; the model is served in-process.
      nock.disableNetConnect();
      const harnessHost = options.remote ? new URL(options.remote.adminUrl).hostname : "127.0.0.1";
      nock.enableNetConnect((host) => host.startsWith("127.0.0.1") || host.split(":")[0] === harnessHost);
    }
    harness = options.remote
      ? await remoteHarness(scenario, options.remote)
      : await inProcessHarness(scenario);
    const before = await harness.snapshot();
    // The scenario's own client options over the runner's one default (short first backoff step).
    client = await connect(harness.mcpUrl, {
      ...scenario.client,
      retry: { baseDelayMs: 100, ...scenario.client.retry },
    });
    // Status of the user each call names, just before it runs: for rules like "never delete an ACTIVE user".
    const callLog: { tool: string; args: string; userStatus?: string }[] = [];
    client.on("call", ({ tool, args }) => {
      const ref = args.userId ?? args.id;
      const userStatus = typeof ref === "string" ? harness?.userStatus(ref) : undefined;
      callLog.push({ tool, args: JSON.stringify(args), userStatus });
    });

    let model = options.model ?? process.env.PACELINE_MODEL ?? "gpt-4.1-mini";
    const interactions: Interaction[] = [];
    let baseURL = options.baseURL ?? process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1";
    // Offline, the model answers in-process; live, over the network.
    let modelFetch: typeof fetch = fetch;
    if (mode === "scripted") {
      baseURL = SCRIPTED_BASE_URL;
      const scripted = serveScript(
        scenario.script,
        baseURL,
        scenario.budget.callsPerTurn,
        options.lenientScript,
      );
      modelFetch = scripted.fetch;
      stops.push(scripted.stop);
      stops.push(() => {
        if (scripted.errors.length > 0) result.error = `script: ${scripted.errors.join("; ")}`;
      });
    } else if (mode === "record" && options.scriptedStandIn) {
      baseURL = STAND_IN_BASE_URL;
      const standIn = serveScript(scenario.script, baseURL, scenario.budget.callsPerTurn);
      modelFetch = standIn.fetch;
      stops.push(standIn.stop);
    } else if (mode === "replay") {
      const recording = await loadRecording(options.recordingFile ?? recordingFileFor(scenario));
      // The requests must match the recorded ones, model name included.
      model = options.model ?? recording.model;
      const replay = serveRecording(recording, baseURL);
      modelFetch = replay.fetch;
      stops.push(replay.stop);
      stops.push(() => {
        if (replay.misses.length > 0)
          result.error = `replay: ${replay.misses.length} request(s) matched no recording (${replay.misses.join(", ")})`;
      });
    }
    const openai = new OpenAI({
      baseURL,
      apiKey:
        offline || options.scriptedStandIn
          ? "offline-no-key"
          : (options.apiKey ?? process.env.OPENAI_API_KEY ?? ""),
      maxRetries: offline ? 0 : 2,
      fetch: mode === "record" ? recordingFetch(interactions, modelFetch) : modelFetch,
    });

    let run: AgentRun | undefined;
    try {
      run = await runAgent({
        openai,
        model,
        client,
        prompt: scenario.prompt,
        systemPrompt: scenario.systemPrompt,
        api: options.api,
        maxTurns: scenario.budget.maxTurns,
        maxToolCalls: scenario.budget.maxToolCalls,
        timeLimitMs: scenario.budget.timeMs,
      });
    } catch (error) {
      throw modelUnreachable(error, baseURL) ?? error;
    } finally {
      for (const stop of stops.splice(0)) stop();
    }
    if (result.error) return finish();
    if (mode === "record") {
      await saveRecording(options.recordingFile ?? recordingFileFor(scenario), {
        scenario: scenario.name,
        model,
        recordedAt: new Date().toISOString(),
        interactions,
      });
    }
    const trajectory: TrajectoryStep[] = run.toolCalls.map((call) => {
      const args = safeJson(call.arguments);
      const logged = callLog.findIndex((c) => c.tool === call.name && c.args === JSON.stringify(args));
      const userStatus = logged >= 0 ? callLog.splice(logged, 1)[0]?.userStatus : undefined;
      return { tool: call.name, args, userStatus, output: call.output, error: call.error };
    });
    // Internal calls (status look-ups, drained pages) count for "never" rules only.
    trajectory.push(
      ...callLog.map((c) => ({
        tool: c.tool,
        args: safeJson(c.args),
        userStatus: c.userStatus,
        internal: true,
      })),
    );
    result.answer = run.answer;
    result.trajectory = run.toolCalls.map((call) => ({
      turn: call.turn,
      tool: call.name,
      args: call.arguments,
      outcome: call.error ?? "ok",
      output: call.output.slice(0, 200),
      turnMs: Math.round(call.turnMs),
    }));
    result.toolCalls = run.toolCalls.length;
    result.turns = run.turns;
    if (run.stop === "time_limit")
      result.failures.push(
        `the agent did not finish within budget.timeMs (${scenario.budget.timeMs} ms): it had made ${run.toolCalls.length} tool call(s) in ${run.turns} turn(s)`,
      );
    else if (run.stop !== "answer")
      result.failures.push(`the agent did not finish: it stopped at ${run.stop.replaceAll("_", " ")}`);
    const journal = await harness.journal();
    result.failures.push(
      ...checkExpectations(scenario.expect, {
        before,
        after: await harness.snapshot(),
        trajectory,
        journal,
        answer: run.answer,
      }),
    );
    result.buckets = bucketTimelines(journal, 0, 250);
    return finish();
  } catch (error) {
    // A replay miss or script problem already explains the crash better than the model client's error.
    result.error ??= (error as Error).message ?? String(error);
    return finish();
  } finally {
    for (const stop of stops) stop();
    await client?.close().catch(() => {});
    await harness?.close().catch(() => {});
    if (offline) {
      nock.enableNetConnect();
    }
  }

  function finish(): ScenarioResult {
    const stats = client?.stats();
    result.rateLimited = stats?.rateLimited ?? 0;
    result.retries = stats?.retries ?? 0;
    result.durationMs = Math.round(performance.now() - started);
    result.passed = !result.error && result.failures.length === 0;
    return result;
  }
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The model's server cannot be reached: say which one (its origin: a base URL may carry a key in
 * its query) and why, where the SDK says only "Connection error.".
 */
export function modelUnreachable(error: unknown, baseURL: string): Error | undefined {
  if (!(error instanceof OpenAI.APIConnectionError)) return undefined;
  let origin = "(an unparsable OPENAI_BASE_URL)";
  try {
    origin = new URL(baseURL).origin;
  } catch {
    // keep the placeholder
  }
  const cause = (error as { cause?: { code?: string; message?: string; cause?: { code?: string } } }).cause;
  const code = cause?.code ?? cause?.cause?.code ?? cause?.message ?? "no answer";
  return new Error(
    `cannot reach the model at ${origin} (${code}): check OPENAI_BASE_URL and that the server runs`,
    {
      cause: error,
    },
  );
}
