import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { liveSetupProblem, trialSummary } from "../cli/run.js";
import type { ScenarioResult } from "../harness/index.js";
import { emptyResult } from "../harness/runner/run-scenario.js";

describe("a live run checks its setup before anything starts", () => {
  const live = { mode: "live" as const };

  it("needs a key, even for a server that ignores it", () => {
    expect(liveSetupProblem(live, {})).toMatch(/needs OPENAI_API_KEY .*set it to any value/);
    expect(liveSetupProblem({ mode: "record" }, {})).toMatch(/^recording needs OPENAI_API_KEY/);
  });

  it("a base URL must be a URL, and a non-OpenAI endpoint needs its model named", () => {
    expect(liveSetupProblem(live, { OPENAI_API_KEY: "k", OPENAI_BASE_URL: "localhost:11434" })).toMatch(
      /OPENAI_BASE_URL is not an http\(s\) URL: 'localhost:11434'/,
    );
    expect(
      liveSetupProblem(live, { OPENAI_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }),
    ).toBe(
      "OPENAI_BASE_URL is http://127.0.0.1:11434: name its model with --model or PACELINE_MODEL (the default gpt-4.1-mini is OpenAI's)",
    );
    const env = { OPENAI_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" };
    expect(liveSetupProblem({ ...live, model: "llama3.1" }, env)).toBeUndefined();
    expect(liveSetupProblem(live, { ...env, PACELINE_MODEL: "llama3.1" })).toBeUndefined();
  });

  it("the key never appears in the message", () => {
    const message = liveSetupProblem(live, { OPENAI_API_KEY: "sk-secret-123", OPENAI_BASE_URL: "nope" });
    expect(message).not.toContain("sk-secret-123");
  });

  it("scripted, replay and scripted recordings need nothing", () => {
    expect(liveSetupProblem({ mode: "scripted" }, {})).toBeUndefined();
    expect(liveSetupProblem({ mode: "replay" }, {})).toBeUndefined();
    expect(liveSetupProblem({ mode: "record", scripted: true }, {})).toBeUndefined();
  });
});

describe("over k trials, pass^k and which expectation failed how often", () => {
  const result = (name: string, failures: string[], error?: string): ScenarioResult => ({
    ...emptyResult(name, "x.yaml"),
    passed: failures.length === 0 && !error,
    failures,
    ...(error ? { error } : {}),
  });

  it("counts trials per scenario and groups failures of one kind across trials", () => {
    const results = [
      result("audit #1", [
        'the answer should name every one of the users with role "SUPER_ADMIN" (initial state); it leaves out a@x.com',
      ]),
      result("audit #2", []),
      result("audit #3", [
        'the answer should name every one of the users with role "SUPER_ADMIN" (initial state); it leaves out b@x.com, c@x.com',
        "2 user(s) not to be touched were changed: d@x.com (status ACTIVE → SUSPENDED)",
      ]),
      result("jit #1", []),
      result("jit #2", []),
      result("jit #3", [], "429 from the model"),
    ];
    expect(trialSummary(results, 3)).toBe(
      [
        "pass^3: 0/2 scenarios passed every trial (0%)",
        "audit: passed 1/3",
        '  2/3  the answer should name every one of the users with role "…" (initial state)',
        "  1/3  N user(s) not to be touched were changed",
        "jit: passed 2/3",
        "  1/3  error",
      ].join("\n"),
    );
  });
});

describe("the paceline command on an old Node", () => {
  const BIN = new URL("../dist/cli/bin.js", import.meta.url).pathname;
  const oldNode = ["/usr/bin/node", "/usr/local/bin/node"].find((path) => {
    try {
      return (
        Number(execFileSync(path, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" })) < 22
      );
    } catch {
      return false;
    }
  });

  it.skipIf(!oldNode)("says in one line which Node it needs and how to get it", () => {
    const result = spawnSync(oldNode ?? "", [BIN, "--version"], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(
      /needs Node\.js 22 or newer, this is v\d+.*source scripts\/ensure-node\.sh/,
    );
  });

  // Every way in: `npm start`'s command and the image's entrypoint go through the same check.
  const ROOT = new URL("..", import.meta.url).pathname;
  const startScript = (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }
  ).scripts.start;
  const entrypoint = JSON.parse(
    /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(ROOT, "Dockerfile"), "utf8"))?.[1] ?? "[]",
  ) as string[];
  it.skipIf(!oldNode).each([
    ["npm start", startScript.split(" ").slice(1)],
    ["the image's entrypoint", entrypoint.slice(1).map((arg) => arg.replace(/^\/app\//, ROOT))],
  ])("%s on an old Node names the Node it needs", (_name, args) => {
    const result = spawnSync(oldNode ?? "", [...args, "--version"], { cwd: ROOT, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/needs Node\.js 22 or newer/);
  });

  it("on this Node it runs the CLI", () => {
    expect(execFileSync(process.execPath, [BIN, "--version"], { encoding: "utf8" }).trim()).toMatch(
      /^\d+\.\d+\.\d+$/,
    );
  });
});

describe("paceline run: which scenarios, and what the agent did", () => {
  const BIN = new URL("../dist/cli/bin.js", import.meta.url).pathname;
  const ROOT = new URL("..", import.meta.url).pathname;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, "run", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });

  it("--verbose prints each tool call with its arguments and outcome, then each miss", () => {
    const result = run("test/fixtures/scenarios/deletes-active-user.yaml", "--verbose");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/turn 1 {2}delete_a_okta_user_by_id \{"id":"victim@company\.com"\} → ok/);
    expect(result.stderr).toMatch(/turn 1 {2}okta_users_suspend \{"userId":"bystander@company\.com"\} → ok/);
    expect(result.stderr).toMatch(/✗ .*delete_a_okta_user_by_id/);
  });

  it("--tag and --grep choose scenarios; choosing none names what was asked and the tags there are", () => {
    const tagged = run("--tag", "pagination,paging");
    expect(tagged.status).toBe(0);
    const ran = tagged.stderr.split("\n").filter((line) => /^\[\d+\/\d+\]/.test(line));
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.every((line) => /^\[\d+\/(\d+)\]/.exec(line)?.[1] === String(ran.length))).toBe(true);
    const grepped = run("--grep", "^offboard-jane");
    expect(grepped.stderr).toMatch(/^\[1\/1\] offboard-jane-doe: pass/m);
    const none = run("--tag", "no-such-tag");
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/no scenario matches --tag no-such-tag \(of \d+; tags: .*offboarding/);
    expect(run("--grep", "(").stderr).toMatch(/--grep \(: not a regular expression/);
  });
});
