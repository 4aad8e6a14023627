/**
 * `npm run bench:gateway`: tool calls per second through the MCP gateway next to direct fake Okta
 * calls doing the same work (a single-user GET and a 200-user page), as a ratio: the gateway's
 * overhead. The harness runs in a child process; the callers here use the official MCP SDK v2
 * client and plain fetch, 16 calls in flight each. BENCH_SECONDS sets each run's length (default 5).
 */
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startHarness } from "../harness/start.js";

interface Targets {
  oktaUrl: string;
  oktaToken: string;
  mcpUrl: string;
  userId: string;
}

async function serve(): Promise<void> {
  const harness = await startHarness({
    fixture: { seed: 1, generate: { users: 500, logs: 0 } },
    limits: "none",
  });
  const userId = harness.okta.state.org.users[0]?.id ?? "";
  process.send?.({ ...harness.summary(), userId });
}

/** Runs `call` with `inFlight` concurrent loops for `seconds`; returns calls per second. */
async function rate(call: () => Promise<void>, seconds: number, inFlight = 16): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let calls = 0;
  const loop = async () => {
    while (performance.now() < end) {
      await call();
      calls++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, loop));
  return calls / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const child = fork(new URL(import.meta.url), ["--serve"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const t = await new Promise<Targets>((resolve) => child.once("message", (m) => resolve(m as Targets)));
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(t.mcpUrl)));
  const auth = { authorization: `SSWS ${t.oktaToken}` };
  const direct = (path: string) => async () => {
    const response = await fetch(`${t.oktaUrl}${path}`, { headers: auth });
    if (!response.ok) throw new Error(`direct ${path}: ${response.status}`);
    await response.arrayBuffer();
  };
  const viaGateway = (name: string, args: Record<string, unknown>) => async () => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent)}`);
  };
  const cases = [
    {
      case: "single-user GET",
      direct: direct(`/api/v1/users/${t.userId}`),
      gateway: viaGateway("get_single_okta_user_by_id", { id: t.userId }),
    },
    {
      case: "200-user page",
      direct: direct("/api/v1/users?limit=200"),
      gateway: viaGateway("list_all_okta_users", { limit: 200 }),
    },
  ];
  const rows = [];
  for (const c of cases) {
    await rate(c.direct, 0.5); // warm-up
    await rate(c.gateway, 0.5);
    const directRate = await rate(c.direct, seconds);
    const gatewayRate = await rate(c.gateway, seconds);
    rows.push({
      case: c.case,
      directPerSec: Math.round(directRate),
      gatewayPerSec: Math.round(gatewayRate),
      ratio: gatewayRate / directRate,
    });
  }
  await client.close();
  child.kill();
  console.log(`MCP gateway vs direct fake Okta calls, 16 in flight, ${seconds}s each, 127.0.0.1`);
  console.table(rows.map((r) => ({ ...r, ratio: r.ratio.toFixed(2) })));
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(
    "bench/results/gateway.json",
    `${JSON.stringify({ node: process.version, seconds, rows }, null, 2)}\n`,
  );
  console.log("wrote bench/results/gateway.json");
}

if (process.argv.includes("--serve")) await serve();
else await main();
