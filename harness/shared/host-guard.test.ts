import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../start.js";
import { allowedHostsOf, hostProblem } from "./host-guard.js";

/** DNS rebinding (issue #10): a foreign Host or Origin gets 403 on every listener, before any route. */
describe("Host and Origin validation", () => {
  const loopback = allowedHostsOf();

  it.each([
    ["127.0.0.1:4000", undefined, true],
    ["localhost:4000", "http://localhost:4000", true],
    ["[::1]:4000", undefined, true],
    ["evil.example.com", undefined, false],
    ["127.0.0.1:4000", "http://evil.example.com", false],
    ["127.0.0.1.evil.example.com", undefined, false],
    [undefined, undefined, false],
    // A sandboxed iframe or a file: page sends `Origin: null`: foreign, not absent.
    ["127.0.0.1:4000", "null", false],
    // A Host must be exactly a name and a port: these would be reflected into Link URLs.
    ["evil@127.0.0.1", undefined, false],
    ["127.0.0.1/x", undefined, false],
    ["127.0.0.1#x", undefined, false],
    ["127.0.0.1:4000", "http://127.0.0.1:4000/path", false],
    ["127.0.0.1:4000", "http://evil@127.0.0.1:4000", false],
  ])("Host %s, Origin %s → allowed %s", (host, origin, ok) => {
    expect(hostProblem(host, origin, loopback) === undefined).toBe(ok);
  });

  it("names configured for containers are allowed too", () => {
    expect(
      hostProblem("paceline:8080", "http://paceline:8080", allowedHostsOf(["paceline"])),
    ).toBeUndefined();
  });

  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("the gateway's MCP endpoint and admin API, and the fake Okta's API and admin API, all refuse a rebound name", async () => {
    harness = await startHarness({ fixture: { generate: { users: 1, logs: 0 } }, limits: "none" });
    const foreign = { host: "evil.example.com", origin: "http://evil.example.com" };
    const { request } = await import("node:http");
    // fetch will not let us set Host; a raw request can.
    const send = (url: string, method: string, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const target = new URL(url);
        const req = request(
          {
            host: target.hostname,
            port: target.port,
            path: target.pathname + target.search,
            method,
            headers: {
              ...foreign,
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
            },
          },
          (res) => {
            let text = "";
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    });
    const mcp = await send(harness.gateway.mcpUrl, "POST", initialize);
    expect(mcp.status).toBe(403);
    expect(mcp.body).toContain("evil.example.com");
    const admin = await send(
      `${harness.gateway.adminUrl}/mcp-servers`,
      "POST",
      JSON.stringify({ name: "x" }),
    );
    expect(admin.status).toBe(403);
    const tokens = await send(`${harness.gateway.adminUrl}/api-tokens`, "POST", "{}");
    expect(tokens.status).toBe(403);
    expect((await send(`${harness.okta.url}/api/v1/users`, "GET")).status).toBe(403);
    expect((await send(`${harness.okta.adminUrl}/reset`, "POST", "{}")).status).toBe(403);
  });
});
