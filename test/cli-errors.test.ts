import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The CLI tried as a new user would: every mistake gets paceline's own one-line message. */
const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "dist", "cli", "main.js");
const paceline = (args: string[], timeout = 60_000) => {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", timeout });
};

describe("bad input gets paceline's own message, then one line pointing at --help", () => {
  it.each([
    [["serve", "--port", "99999"], /--port must be an integer from 0 to 65535, got '99999'/],
    [["loadtest", "--users", "0"], /--users must be an integer of at least 1, got '0'/],
    [
      ["loadtest", "--mcp-url", "http://127.0.0.1:9/mcp/x", "--users", "5"],
      /--users 5: a gateway given by --mcp-url is audited as it is; add --admin-url/,
    ],
    [["loadtest", "--mcp-url", "http://127.0.0.1:9/mcp/x"], /T\* needs the server's limits; add --admin-url/],
    [["loadtest", "--admin-url", "http://127.0.0.1:9/__admin"], /give --mcp-url too/],
    [
      [
        "loadtest",
        "--mcp-url",
        "http://127.0.0.1:9/mcp/x",
        "--admin-url",
        "http://127.0.0.1:9/__admin",
        "--limits",
        "okta",
      ],
      /the limits are read from the server; drop --limits/,
    ],
    [["loadtest", "--workers", "0"], /--workers must be an integer from 1 to 64, got '0'/],
    [["loadtest", "--concurrency", "0"], /--concurrency must be an integer from 1 to 10000, got '0'/],
    [["run", "--trials", "0"], /--trials must be an integer of at least 1, got '0'/],
    [
      ["loadtest", "--mcp-url", "not-a-url"],
      /--mcp-url must be an http:\/\/ or https:\/\/ URL, got 'not-a-url'/,
    ],
    [["simulate", "--seeds", "0"], /--seeds must be an integer from 1 to 100, got '0'/],
  ])("%j", (args, message) => {
    const result = paceline(args);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
    // The pointer names the command that was mistyped.
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.any(String),
      `(paceline ${args[0]} --help lists the options)`,
    ]);
  });

  it("a bad --mcp-token is named with its rule, and the token itself is never printed", () => {
    const secret = "short-secret";
    const result = paceline(["serve", "--mcp-token", secret]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("--mcp-token (or PACELINE_MCP_TOKEN) must be 16 to 128 letters");
    expect(result.stderr).not.toContain(secret);
  });

  it("a PACELINE_JSON that is neither yes nor no is named (any value used to turn JSON on)", () => {
    const off = spawnSync(process.execPath, [CLI, "serve", "--users", "1"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PACELINE_JSON: "maybe" },
    });
    expect(off.stderr).toContain("PACELINE_JSON must be 1, true, yes, 0, false or no, got 'maybe'");
  });

  it("loadtest --json onto a folder is refused before the run, naming a file to use instead", () => {
    const dir = mkdtempSync(join(tmpdir(), "paceline-out-"));
    const result = paceline(["loadtest", "--users", "5", "--json", dir]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      `--json: '${dir}' is a folder; name a file in it, e.g. ${join(dir, "loadtest.json")}`,
    );
    expect(result.stdout).not.toMatch(/time\/T\*/);
  });

  it("run --trials 3 in scripted mode is refused: repeating a run that is the same every time proves nothing", () => {
    const result = paceline(["run", "--trials", "3"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      "--trials 3 repeats live runs (a scripted run is the same every time); add --mode live",
    );
  });

  it("a port in use names the option and the listener", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = paceline(["serve", "--users", "1", "--gateway-port", String(port)]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(
        `--gateway-port (the MCP gateway): 127.0.0.1:${port} is already in use`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("--methods with a typo names it and lists what it could be", () => {
    const result = paceline(["serve", "--users", "1", "--methods", "raed"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(
      /'raed' is not a kind \(read, write, custom\), a method \(.*suspend.*\) or a tool name/,
    );
  });

  it("--limits that is neither a preset nor a file lists the presets", () => {
    const result = paceline(["serve", "--limits", "nonsense"]);
    expect(result.stderr.trim()).toBe(
      "paceline: --limits: 'nonsense' is neither a preset (okta, tight, none) nor a file",
    );
  });

  it("a limits or faults file with a typo names file:line:column and field", () => {
    const dir = mkdtempSync(join(tmpdir(), "paceline-cli-"));
    const limits = join(dir, "limits.yaml");
    writeFileSync(
      limits,
      'windowMs: 1000\nconcurency: 5\nbuckets:\n  - { name: a, path: "/api/v1/*", limit: -3 }\n',
    );
    const result = paceline(["serve", "--limits", limits]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${limits}:2:1: concurency: unknown field`);
    expect(result.stderr).toContain(`${limits}:4:42: buckets.0.limit: Too small`);
    const faults = join(dir, "faults.yaml");
    writeFileSync(faults, "rules:\n  - { path: /api/v1/users, action: { type: status, status: 4290 } }\n");
    const bad = paceline(["serve", "--faults", faults]);
    expect(bad.stderr).toMatch(new RegExp(`${faults}:2:\\d+: rules\\.0\\.action`));
  });

  it("a scenario file that does not exist says so", () => {
    const result = paceline(["run", "no-such-scenario.yaml"]);
    expect(result.stderr.trim()).toBe("paceline: no-such-scenario.yaml: no such scenario file or folder");
  });

  it("an unreachable shared limiter fails within seconds, naming the address and the cause", () => {
    // A hang would hit the 20 s timeout and leave no exit status.
    const result = paceline(["loadtest", "--users", "20", "--shared-limiter", "redis://127.0.0.1:1"], 20_000);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      "paceline: --shared-limiter redis://127.0.0.1:1: cannot reach Redis (ECONNREFUSED)",
    );
  });
});

describe("output goes where it was asked, folders included", () => {
  it("record creates the recordings folder beside a scenario", () => {
    const dir = mkdtempSync(join(tmpdir(), "paceline-record-"));
    copyFileSync(join(ROOT, "scenarios/refused-transition.yaml"), join(dir, "refused.yaml"));
    const result = paceline(["record", join(dir, "refused.yaml"), "--scripted"]);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(dir, "recordings", "refused.json"))).toBe(true);
  });

  it("loadtest writes --json into a new folder, prints progress without a terminal, and says why users are missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "paceline-loadtest-"));
    const out = join(dir, "new", "folder", "run.json");
    const result = paceline([
      "loadtest",
      "--users",
      "100",
      "--strategy",
      "paced",
      "--limits",
      "none",
      "--json",
      out,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const reports = JSON.parse(readFileSync(out, "utf8")) as { strategy: string; users: number }[];
    expect(reports.map((r) => r.strategy)).toEqual(["paced"]);
    expect(result.stderr).toMatch(/^paced: \d+\/\d+ users audited, \d+ s$/m);
    const listed = reports[0]?.users ?? 0;
    if (listed < 100)
      expect(result.stdout).toContain(
        `100 users seeded, ${listed} listed: Okta's default user list leaves out DEPROVISIONED users`,
      );
  });
});
