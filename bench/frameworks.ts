/**
 * `npm run bench:frameworks`: per agent framework, a 500-user role audit through the framework's
 * own MCP client under the `tight` preset, without and with pacedFetch (429s the fake Okta served,
 * errors the agent saw, time); and pacedFetch's overhead on an unthrottled call next to the bare
 * fetch (the MCP SDK Client, one call at a time, interleaved). Figures from one run; JSON in
 * bench/results/frameworks.json.
 */
import { pacedFetch } from "../client/index.js";
import { LIMIT_PRESETS } from "../harness/fake-okta/rate-limits.js";
import { startHarness } from "../harness/start.js";
import { FRAMEWORKS, roleAudit } from "./framework-clients.js";
import { benchSeconds, rate, writeReport } from "./measure.js";

const USERS = Number(process.env.BENCH_USERS ?? 500);

async function audit(framework: string, paced: boolean) {
  const harness = await startHarness({
    fixture: { seed: 42, generate: { users: USERS, logs: 0 } },
    limits: LIMIT_PRESETS.tight,
  });
  const fetch = paced ? pacedFetch() : undefined;
  const open = FRAMEWORKS[framework];
  if (!open) throw new Error(`no framework ${framework}`);
  const client = await open(harness.gateway.mcpUrl, fetch);
  const started = performance.now();
  const outcome = await roleAudit(client);
  const timeMs = Math.round(performance.now() - started);
  const served429s = harness.okta.state.journal.list({ status: 429 }).length;
  await client.close();
  await fetch?.close();
  await harness.close();
  return {
    framework,
    pacedFetch: paced,
    users: outcome.users,
    agentSawErrors: outcome.errors,
    served429s,
    timeMs,
  };
}

async function overhead(seconds: number) {
  const harness = await startHarness({
    fixture: { seed: 42, generate: { users: 10, logs: 0 } },
    limits: "none",
  });
  const paced = pacedFetch({ limiter: { maxConcurrent: 64 } });
  const open = FRAMEWORKS["MCP SDK Client"];
  if (!open) throw new Error("no MCP SDK Client");
  const [bare, withPacing] = await Promise.all([
    open(harness.gateway.mcpUrl),
    open(harness.gateway.mcpUrl, paced),
  ]);
  const page = await bare.call("list_all_okta_users", { limit: 1 });
  const userId = (JSON.parse(page.content?.[0]?.text ?? "{}") as { result: { id: string }[] }).result[0]?.id;
  const call = (client: typeof bare) => async () => {
    if ((await client.call("get_single_okta_user_by_id", { id: userId })).isError)
      throw new Error("call failed");
  };
  await rate(call(bare), 0.5, 1);
  await rate(call(withPacing), 0.5, 1);
  const half = seconds / 2;
  const bareRates = [await rate(call(bare), half, 1)];
  const pacedRates = [await rate(call(withPacing), half, 1)];
  bareRates.push(await rate(call(bare), half, 1));
  pacedRates.push(await rate(call(withPacing), half, 1));
  await Promise.all([bare.close(), withPacing.close(), paced.close()]);
  await harness.close();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // Time per call with pacedFetch over time per call with the bare fetch.
  return {
    bareCallsPerS: mean(bareRates),
    pacedCallsPerS: mean(pacedRates),
    ratio: mean(bareRates) / mean(pacedRates),
  };
}

const rows = [];
for (const framework of Object.keys(FRAMEWORKS))
  for (const paced of [false, true]) {
    const row = await audit(framework, paced);
    rows.push(row);
    console.log(
      `${framework.padEnd(26)} ${paced ? "pacedFetch" : "bare fetch"}  users ${row.users}  429s served ${row.served429s}  errors the agent saw ${row.agentSawErrors}  ${(row.timeMs / 1000).toFixed(1)} s`,
    );
  }
const cost = await overhead(benchSeconds());
console.log(
  `pacedFetch on an unthrottled call, one at a time: ${cost.pacedCallsPerS.toFixed(0)} calls/s vs ${cost.bareCallsPerS.toFixed(0)} bare (${cost.ratio.toFixed(3)}× the time per call)`,
);
writeReport("frameworks", { users: USERS, rows, overhead: cost });
