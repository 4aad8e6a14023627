import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../harness/start.js";

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, server side) against the
 * gateway. Its scenarios that apply to a tools-only, stateless gateway must pass; the others test
 * features the gateway does not offer (README, "MCP conformance"), and are listed there.
 */
const APPLICABLE = ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"];

const run = promisify(execFile);
const cli = createRequire(import.meta.url).resolve("@modelcontextprotocol/conformance/dist/index.js");
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ fixture: { seed: 1, generate: { users: 5, logs: 0 } }, limits: "none" });
});
afterAll(async () => harness.close());

describe("the official MCP conformance suite against the gateway", () => {
  it.each(APPLICABLE)("%s", { timeout: 60_000 }, async (scenario) => {
    const { stdout } = await run(
      process.execPath,
      [cli, "server", "--url", harness.gateway.mcpUrl, "--scenario", scenario],
      { timeout: 50_000 },
    );
    const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(stdout);
    expect(summary, stdout.slice(-500)).not.toBeNull();
    expect(Number(summary?.[1])).toBeGreaterThan(0);
    expect(Number(summary?.[3])).toBe(0);
  });
});
