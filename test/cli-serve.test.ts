import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { connectClient } from "../harness/gateway/test-helpers.js";

/** The built CLI (npm test builds first), run as a user would. */
const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");
const INSPECTOR = join(
  import.meta.dirname,
  "..",
  "node_modules",
  "@modelcontextprotocol",
  "inspector",
  "clients",
  "launcher",
  "build",
  "index.js",
);

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

async function serveJson(args: string[]): Promise<Record<string, string>> {
  child = spawn(process.execPath, [CLI, "serve", "--json", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) return JSON.parse(line) as Record<string, string>;
  throw new Error("serve printed nothing");
}

describe("paceline serve", () => {
  it("prints one JSON line, serves Okta and the gateway, and stops cleanly on Ctrl-C", async () => {
    const summary = await serveJson(["--port", "0", "--seed", "42", "--users", "30", "--methods", "read"]);
    expect(Object.keys(summary).sort()).toEqual([
      "adminUrl",
      "gatewayAdminUrl",
      "mcpUrl",
      "oktaToken",
      "oktaUrl",
    ]);
    expect(summary.oktaUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const users = await fetch(`${summary.oktaUrl}/api/v1/users?limit=200`, {
      headers: { authorization: `SSWS ${summary.oktaToken}` },
    });
    expect(users.headers.get("x-rate-limit-limit")).toBe("600");
    expect(((await users.json()) as unknown[]).length).toBeGreaterThan(20);
    const { client } = await connectClient(summary.mcpUrl ?? "");
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names.every((n) => n.startsWith("list_") || n.startsWith("get_"))).toBe(true);
    await client.close();
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    child?.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  it("rejects bad flags naming the flag and value", async () => {
    const run = promisify(execFile);
    const failure = await run(process.execPath, [CLI, "serve", "--limits", "nope.yaml"]).then(
      () => undefined,
      (e: { stderr: string; code: number }) => e,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      "--limits: 'nope.yaml' is neither a preset (okta, tight, none) nor a file",
    );
  });
});

describe("the MCP Inspector CLI, an independent client", () => {
  it("lists the tools and calls list_all_okta_users against the gateway", async () => {
    const summary = await serveJson(["--users", "12", "--limits", "tight"]);
    const run = promisify(execFile);
    // A private home, so the Inspector's catalog never touches the user's.
    const env = { ...process.env, HOME: mkdtempSync(join(tmpdir(), "inspector-")) };
    const base = [INSPECTOR, "--cli", summary.mcpUrl ?? "", "--transport", "http"];
    const listed = JSON.parse(
      (await run(process.execPath, [...base, "--method", "tools/list"], { env })).stdout,
    ) as { tools: { name: string }[] };
    expect(listed.tools.map((t) => t.name)).toContain("okta_users_suspend");
    const called = JSON.parse(
      (
        await run(
          process.execPath,
          [...base, "--method", "tools/call", "--tool-name", "list_all_okta_users", "--tool-arg", "limit=5"],
          { env },
        )
      ).stdout,
    ) as {
      structuredContent: { result: unknown[]; next_cursor: string | null };
      _meta: { ratelimit: { limit: number } };
    };
    expect(called.structuredContent.result).toHaveLength(5);
    expect(called.structuredContent.next_cursor).toEqual(expect.any(String));
    expect(called._meta.ratelimit.limit).toBe(60);
  });
});
