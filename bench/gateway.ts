/**
 * `npm run bench:gateway`: tool calls per second through the MCP gateway next to direct fake Okta
 * calls doing the same work (a single-user GET and a 200-user page), as a ratio: the gateway's
 * overhead. The harness (fake Okta and gateway in one process, as `paceline serve` runs them) is a
 * child process; autocannon drives both sides with the same connections, POSTing the JSON-RPC
 * `tools/call` a 2025-11-25 client sends. Beside each rate stands how busy the harness's event loop
 * was: near 100% means the figure measures the harness, lower means it measures the load generator.
 * A bare proxy in the harness's process (node:http in, undici out, bytes back) is the floor any
 * gateway hop stands on. A second table runs the same calls end to end through the official MCP SDK client, which is
 * slower per call than the gateway and so says more about the client than the gateway.
 * BENCH_SECONDS sets each run's length (default 5).
 */
import { createServer } from "node:http";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Agent, request } from "undici";
import {
  autocannonRate,
  benchSeconds,
  forkHarness,
  type HarnessTargets,
  type LoadResult,
  perBusyRatio,
  rate,
  serveHarnessToParent,
  whileMeasuringHarness,
  writeReport,
} from "./measure.js";

const CONNECTIONS = 32;

/**
 * The cheapest hop there is, beside the harness in its process: node:http in, undici to the fake
 * Okta, the bytes back, no MCP and no parsing. Gateway vs this is what the gateway adds over any
 * proxy; this vs direct is what one more HTTP hop costs at all.
 */
async function startBareProxy(oktaUrl: string): Promise<Record<string, string>> {
  const agent = new Agent();
  const proxy = createServer(async (incoming, outgoing) => {
    const upstream = await request(`${oktaUrl}${incoming.url}`, {
      dispatcher: agent,
      headers: { authorization: incoming.headers.authorization ?? "", accept: "application/json" },
    });
    const body = Buffer.from(await upstream.body.arrayBuffer());
    outgoing.writeHead(upstream.statusCode, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  return { bareProxyUrl: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` };
}
const SDK_IN_FLIGHT = 16;

async function createTextOnlyServer(t: HarnessTargets): Promise<string> {
  const response = await fetch(`${t.gatewayAdminUrl}/mcp-servers`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "text-only", config: { result_content: "text" } }),
  });
  return ((await response.json()) as { url: string }).url;
}

/** What an MCP client POSTs for one tools/call (after initialize, which a stateless gateway needs not). */
function toolCallRequest(mcpUrl: string, name: string, args: Record<string, unknown>) {
  return {
    url: mcpUrl,
    method: "POST" as const,
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  };
}

/** Fails the bench when the gateway answers the call with an error instead of Okta's data. */
async function checkAnswers(request: ReturnType<typeof toolCallRequest>): Promise<void> {
  const response = await fetch(request.url, request);
  const message = (await response.json()) as { result?: { isError?: boolean }; error?: unknown };
  if (!response.ok || !message.result || message.result.isError)
    throw new Error(`gateway call failed: HTTP ${response.status} ${JSON.stringify(message).slice(0, 300)}`);
}

async function main(): Promise<void> {
  const seconds = benchSeconds();
  const { targets: t, stop } = await forkHarness(new URL(import.meta.url));
  const adminUrl = `${t.oktaUrl}/__admin`;
  const textOnlyUrl = await createTextOnlyServer(t);
  const auth = { authorization: `SSWS ${t.oktaToken}` };
  const direct = (path: string) => ({ url: `${t.oktaUrl}${path}`, headers: auth });
  const proxied = (path: string) => ({ url: `${t.extra.bareProxyUrl}${path}`, headers: auth });
  const single = `/api/v1/users/${t.userId}`;
  const page = "/api/v1/users?limit=200";
  const cases = [
    {
      case: "single-user GET",
      direct: direct(single),
      bareProxy: proxied(single),
      gateway: toolCallRequest(t.mcpUrl, "get_single_okta_user_by_id", { id: t.userId }),
    },
    {
      case: "200-user page",
      direct: direct(page),
      bareProxy: proxied(page),
      gateway: toolCallRequest(t.mcpUrl, "list_all_okta_users", { limit: 200 }),
    },
    {
      case: "200-user page, text only",
      direct: direct(page),
      bareProxy: proxied(page),
      gateway: toolCallRequest(textOnlyUrl, "list_all_okta_users", { limit: 200 }),
    },
  ];
  const rows = [];
  for (const c of cases) {
    await checkAnswers(c.gateway);
    await autocannonRate(c.direct, 1, CONNECTIONS); // warm-up
    await autocannonRate(c.gateway, 1, CONNECTIONS);
    const d = await whileMeasuringHarness(adminUrl, () => autocannonRate(c.direct, seconds, CONNECTIONS));
    const p = await whileMeasuringHarness(adminUrl, () => autocannonRate(c.bareProxy, seconds, CONNECTIONS));
    const g = await whileMeasuringHarness(adminUrl, () => autocannonRate(c.gateway, seconds, CONNECTIONS));
    rows.push(row(c.case, d, p, g));
  }

  // End to end through the official client: what an agent built on the SDK sees.
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(t.mcpUrl)));
  const viaSdk = (name: string, args: Record<string, unknown>) => async () => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent)}`);
  };
  const sdkRows = [];
  for (const [label, call] of [
    ["single-user GET", viaSdk("get_single_okta_user_by_id", { id: t.userId })],
    ["200-user page", viaSdk("list_all_okta_users", { limit: 200 })],
  ] as const) {
    await rate(call, 0.5, SDK_IN_FLIGHT);
    const { result, harnessBusy } = await whileMeasuringHarness(adminUrl, () =>
      rate(call, seconds, SDK_IN_FLIGHT),
    );
    sdkRows.push({ case: label, callsPerSec: Math.round(result), harnessBusy: round(harnessBusy) });
  }
  await client.close();
  stop();

  console.log(
    `MCP gateway vs direct fake Okta calls: autocannon, ${CONNECTIONS} connections, ${seconds}s each, 127.0.0.1`,
  );
  console.table(
    rows.map((r) => ({
      case: r.case,
      "direct/s": r.directPerSec,
      "bare proxy/s": r.bareProxyPerSec,
      "gateway/s": r.gatewayPerSec,
      "gateway/direct": r.ratio.toFixed(2),
      "per busy s": r.ratioPerBusySecond.toFixed(2),
      "proxy/direct": r.bareProxyRatio.toFixed(2),
      "gateway/proxy": r.gatewayVsProxy.toFixed(2),
      "harness busy": `${percent(r.harnessBusyDirect)} ${percent(r.harnessBusyProxy)} ${percent(r.harnessBusyGateway)}`,
      errors: r.errors,
    })),
  );
  console.log(`Through the MCP SDK v2 client, ${SDK_IN_FLIGHT} calls in flight`);
  console.table(sdkRows.map((r) => ({ ...r, harnessBusy: percent(r.harnessBusy) })));
  const errors = rows.reduce((sum, r) => sum + r.errors, 0);
  writeReport("gateway", {
    seconds,
    connections: CONNECTIONS,
    rows,
    sdkClient: { inFlight: SDK_IN_FLIGHT, rows: sdkRows },
  });
  if (errors > 0) {
    console.error(`bench:gateway: ${errors} requests failed; the figures above are not comparable.`);
    process.exitCode = 1;
  }
}

type Measured = { result: LoadResult; harnessBusy: number };
const busyRate = (m: Measured) => ({ rps: m.result.rps, busy: m.harnessBusy });

function row(name: string, d: Measured, p: Measured, g: Measured) {
  return {
    case: name,
    directPerSec: Math.round(d.result.rps),
    bareProxyPerSec: Math.round(p.result.rps),
    gatewayPerSec: Math.round(g.result.rps),
    /** The figure: gateway calls per direct call. */
    ratio: g.result.rps / d.result.rps,
    ratioPerBusySecond: perBusyRatio(busyRate(g), busyRate(d)),
    bareProxyRatio: p.result.rps / d.result.rps,
    gatewayVsProxy: g.result.rps / p.result.rps,
    directP99Ms: d.result.p99Ms,
    bareProxyP99Ms: p.result.p99Ms,
    gatewayP99Ms: g.result.p99Ms,
    harnessBusyDirect: round(d.harnessBusy),
    harnessBusyProxy: round(p.harnessBusy),
    harnessBusyGateway: round(g.harnessBusy),
    errors: d.result.errors + p.result.errors + g.result.errors,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const percent = (x: number) => `${Math.round(100 * x)}%`;

if (process.argv.includes("--serve"))
  await serveHarnessToParent((harness) => startBareProxy(harness.okta.url));
else await main();
