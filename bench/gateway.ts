/**
 * `npm run bench:gateway`: tool calls per second through the MCP gateway next to direct fake Okta
 * calls doing the same work (a single-user GET and a 200-user page), as a ratio: the gateway's
 * overhead. The harness runs in a child process; the callers here use the official MCP SDK v2
 * client and plain fetch, 16 calls in flight each. BENCH_SECONDS sets each run's length (default 5).
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { benchSeconds, forkHarness, rate, serveHarnessToParent, writeReport } from "./measure.js";

async function main(): Promise<void> {
  const seconds = benchSeconds();
  const { targets: t, stop } = await forkHarness(new URL(import.meta.url));
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(t.mcpUrl)));
  // The same tools with results as text only (result_content: text): one serialisation.
  const created = (await (
    await fetch(`${t.gatewayAdminUrl}/mcp-servers`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "text-only", config: { result_content: "text" } }),
    })
  ).json()) as { url: string };
  const textClient = new Client({ name: "bench-text", version: "1" });
  await textClient.connect(new StreamableHTTPClientTransport(new URL(created.url)));
  const auth = { authorization: `SSWS ${t.oktaToken}` };
  const direct = (path: string) => async () => {
    const response = await fetch(`${t.oktaUrl}${path}`, { headers: auth });
    if (!response.ok) throw new Error(`direct ${path}: ${response.status}`);
    await response.arrayBuffer();
  };
  const viaGateway =
    (name: string, args: Record<string, unknown>, via = client) =>
    async () => {
      const result = await via.callTool({ name, arguments: args });
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
    {
      case: "200-user page, text only",
      direct: direct("/api/v1/users?limit=200"),
      gateway: viaGateway("list_all_okta_users", { limit: 200 }, textClient),
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
  await textClient.close();
  stop();
  console.log(`MCP gateway vs direct fake Okta calls, 16 in flight, ${seconds}s each, 127.0.0.1`);
  console.table(rows.map((r) => ({ ...r, ratio: r.ratio.toFixed(2) })));
  writeReport("gateway", { seconds, rows });
}

if (process.argv.includes("--serve")) await serveHarnessToParent();
else await main();
