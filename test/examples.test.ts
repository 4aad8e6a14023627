import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";

/** Every file in examples/ is run, as the README and `serve --help` point users at them. */
const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "dist", "cli", "main.js");
const run = promisify(execFile);

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

async function serve(args: string[], env: Record<string, string> = {}): Promise<Record<string, string>> {
  child = spawn(process.execPath, [CLI, "serve", "--json", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let errors = "";
  child.stderr?.on("data", (chunk) => {
    errors += String(chunk);
  });
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream }))
    return JSON.parse(line) as Record<string, string>;
  throw new Error(`serve printed nothing: ${errors}`);
}

describe("examples/", () => {
  it("the fixture, limits and faults files start serve, and the consumer script audits through it", async () => {
    const summary = await serve([
      "--fixture",
      "examples/fixtures/offboarding.yaml",
      "--limits",
      "examples/limits.yaml",
      "--faults",
      "examples/faults.yaml",
    ]);
    const limits = await fetch(`${summary.adminUrl}/limits`).then((r) => r.json());
    expect(limits).toMatchObject({ windowMs: 2000, concurrency: 10 });
    const faults = (await fetch(`${summary.adminUrl}/faults`).then((r) => r.json())) as { rules: unknown[] };
    expect(faults.rules).toHaveLength(2);
    const state = (await fetch(`${summary.adminUrl}/state`).then((r) => r.json())) as {
      users: { login: string; status: string }[];
    };
    expect(state.users.find((u) => u.login === "carl.contractor@company.com")?.status).toBe("LOCKED_OUT");

    const { stdout } = await run(
      process.execPath,
      [join(ROOT, "examples/consumer.mjs"), summary.mcpUrl ?? ""],
      {
        cwd: ROOT,
        timeout: 60_000,
      },
    );
    const report = JSON.parse(stdout) as { users: number; pages: number; admins: number };
    // Okta's default list leaves out DEPROVISIONED users; the fixture's own two are listed.
    const listed = state.users.filter((u) => u.status !== "DEPROVISIONED").length;
    expect(report.users).toBe(listed);
    expect(report.pages).toBe(Math.ceil(listed / 200));
    expect(report.admins).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it("the GitHub Actions service's settings start serve, and its URLs and tokens work as the job uses them", async () => {
    const workflow = parse(readFileSync(join(ROOT, "examples/ci/github-actions.yml"), "utf8")) as {
      jobs: {
        test: { services: { paceline: { env: Record<string, string> } }; env: Record<string, string> };
      };
    };
    const { services, env } = workflow.jobs.test;
    const summary = await serve([], {
      ...services.paceline.env,
      PACELINE_PORT: "0",
      PACELINE_GATEWAY_PORT: "0",
    });
    const oktaPort = new URL(summary.oktaUrl ?? "").port;
    const users = await fetch(`http://127.0.0.1:${oktaPort}/api/v1/users?limit=2`, {
      headers: { authorization: `SSWS ${env.OKTA_TOKEN}` },
    });
    expect(users.status).toBe(200);
    expect(new URL(summary.mcpUrl ?? "").pathname).toBe(new URL(env.MCP_URL ?? "").pathname);
    const health = await fetch(`${summary.adminUrl}/health`).then((r) => r.json());
    expect(health).toMatchObject({ status: "ok", users: 500 });
  }, 60_000);
});
