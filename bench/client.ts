/**
 * `npm run bench:client`: the paced client's per-call overhead next to the bare MCP SDK v2 client,
 * on an unthrottled gateway (limits none), the same tool call both ways: one call at a time (the
 * added latency) and 16 in flight (throughput). Ratios are measured in one run.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { connect } from "../client/index.js";
import { benchSeconds, forkHarness, rate, serveHarnessToParent, writeReport } from "./measure.js";

async function main(): Promise<void> {
  const seconds = benchSeconds();
  const { targets, stop } = await forkHarness(new URL(import.meta.url));
  const bare = new Client({ name: "bench-bare", version: "1" });
  await bare.connect(new StreamableHTTPClientTransport(new URL(targets.mcpUrl)));
  const paced = await connect(targets.mcpUrl, { limiter: { maxConcurrent: 64 } });
  const args = { id: targets.userId };
  const viaBare = async () => {
    const result = await bare.callTool({ name: "get_single_okta_user_by_id", arguments: args });
    if (result.isError) throw new Error("bare call failed");
  };
  const viaPaced = async () => {
    const result = await paced.callTool("get_single_okta_user_by_id", args);
    if (result.isError) throw new Error("paced call failed");
  };
  const rows = [];
  for (const inFlight of [1, 16]) {
    await rate(viaBare, 0.5, inFlight);
    await rate(viaPaced, 0.5, inFlight);
    // Interleaved halves, so neither client always runs on a warmer (or busier) machine.
    const half = seconds / 2;
    const bareRate = await rate(viaBare, half, inFlight);
    const pacedRate1 = await rate(viaPaced, half, inFlight);
    const pacedRate2 = await rate(viaPaced, half, inFlight);
    const bareRate2 = await rate(viaBare, half, inFlight);
    const pacedRate = (pacedRate1 + pacedRate2) / 2;
    const bareMean = (bareRate + bareRate2) / 2;
    rows.push({
      inFlight,
      barePerSec: Math.round(bareMean),
      pacedPerSec: Math.round(pacedRate),
      ratio: pacedRate / bareMean,
      addedMsPerCall: inFlight === 1 ? 1000 / pacedRate - 1000 / bareMean : undefined,
    });
  }
  await bare.close();
  await paced.close();
  stop();
  console.log(
    `paceline client vs bare MCP SDK client, get_single_okta_user_by_id, unthrottled, ${seconds}s each`,
  );
  console.table(
    rows.map((r) => ({ ...r, ratio: r.ratio.toFixed(2), addedMsPerCall: r.addedMsPerCall?.toFixed(3) })),
  );
  writeReport("client", { seconds, rows });
}

if (process.argv.includes("--serve")) await serveHarnessToParent();
else await main();
