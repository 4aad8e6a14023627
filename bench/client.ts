/**
 * `npm run bench:client`: the paced client's per-call overhead next to the bare MCP SDK v2 client,
 * on an unthrottled gateway (limits none), the same tool call each way: one call at a time (the
 * added latency) and 16 in flight (throughput). Two paceline paths: `free` (a budget far above what
 * could be in flight skips the queue) and `paced` (`alwaysPace`: every call through the bucket's
 * queue and policy, as near a limit). Target: paced ≤ 1.10× the bare client's time per call.
 * Ratios are measured in one run, interleaved.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { connect } from "../client/index.js";
import { benchSeconds, forkHarness, rate, serveHarnessToParent, writeReport } from "./measure.js";

async function main(): Promise<void> {
  const seconds = benchSeconds();
  const { targets, stop } = await forkHarness(new URL(import.meta.url));
  const bare = new Client({ name: "bench-bare", version: "1" });
  await bare.connect(new StreamableHTTPClientTransport(new URL(targets.mcpUrl)));
  const free = await connect(targets.mcpUrl, { limiter: { maxConcurrent: 64 } });
  const paced = await connect(targets.mcpUrl, { limiter: { maxConcurrent: 64, alwaysPace: true } });
  const args = { id: targets.userId };
  const viaBare = async () => {
    const result = await bare.callTool({ name: "get_single_okta_user_by_id", arguments: args });
    if (result.isError) throw new Error("bare call failed");
  };
  const via = (client: typeof paced) => async () => {
    const result = await client.callTool("get_single_okta_user_by_id", args);
    if (result.isError) throw new Error("paceline call failed");
  };
  const rows = [];
  for (const inFlight of [1, 16]) {
    for (const [path, viaPaceline] of [
      ["free", via(free)],
      ["paced", via(paced)],
    ] as const) {
      await rate(viaBare, 0.5, inFlight);
      await rate(viaPaceline, 0.5, inFlight);
      // Interleaved halves, so neither client always runs on a warmer (or busier) machine.
      const half = seconds / 2;
      const bare1 = await rate(viaBare, half, inFlight);
      const paceline1 = await rate(viaPaceline, half, inFlight);
      const paceline2 = await rate(viaPaceline, half, inFlight);
      const bare2 = await rate(viaBare, half, inFlight);
      const bareMean = (bare1 + bare2) / 2;
      const pacelineRate = (paceline1 + paceline2) / 2;
      rows.push({
        path,
        inFlight,
        barePerSec: Math.round(bareMean),
        pacelinePerSec: Math.round(pacelineRate),
        // Time per call, paceline over bare: the overhead as a ratio.
        timeRatio: bareMean / pacelineRate,
        addedMsPerCall: inFlight === 1 ? 1000 / pacelineRate - 1000 / bareMean : undefined,
      });
    }
  }
  await free.close();
  await bare.close();
  await paced.close();
  stop();
  console.log(
    `paceline client vs bare MCP SDK client, get_single_okta_user_by_id, unthrottled, ${seconds}s each`,
  );
  console.table(
    rows.map((r) => ({
      ...r,
      timeRatio: r.timeRatio.toFixed(3),
      addedMsPerCall: r.addedMsPerCall?.toFixed(3),
    })),
  );
  const worst = Math.max(...rows.filter((r) => r.path === "paced").map((r) => r.timeRatio));
  console.log(`paced path: ${worst.toFixed(3)}× the bare client's time per call (target ≤ 1.10)`);
  writeReport("client", { seconds, rows });
}

if (process.argv.includes("--serve")) await serveHarnessToParent();
else await main();
