/**
 * `npm run bench:isolation`: the paced 500-user tight-preset audit with the harness in its own
 * process, alone and then with a CPU-bound process beside it (this bench starts one). Target:
 * time/T* moves by at most 0.05; where it moves more, the run's report must say it was saturated.
 * JSON in bench/results/isolation.json.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LIMIT_PRESETS } from "../harness/fake-okta/rate-limits.js";
import { nodeHarness, runLoadtest } from "../harness/loadtest/index.js";
import { writeReport } from "./measure.js";

const cli = fileURLToPath(new URL("../cli/main.js", import.meta.url));

async function audit() {
  const [report] = await runLoadtest({
    users: 500,
    strategies: ["paced"],
    concurrency: 16,
    workers: 1,
    pageSize: 200,
    limits: LIMIT_PRESETS.tight,
    seed: 42,
    spawnHarness: nodeHarness(cli),
  });
  if (!report) throw new Error("no report");
  return { ratio: report.ratio, timeMs: report.timeMs, rateLimited: report.rateLimited, host: report.host };
}

const alone = await audit();
const burner = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
const beside = await audit();
burner.kill("SIGKILL");
const moved = beside.ratio - alone.ratio;
const explained = moved <= 0.05 || beside.host.saturated;
for (const [label, r] of [
  ["alone", alone],
  ["beside a CPU-bound process", beside],
] as const)
  console.log(
    `${label.padEnd(28)} time/T* ${r.ratio.toFixed(3)}  ${(r.timeMs / 1000).toFixed(1)} s  429s ${r.rateLimited}  client loop ${(100 * r.host.eventLoopUtilization).toFixed(0)}%  harness loop ${(100 * (r.host.harnessEventLoopUtilization ?? 0)).toFixed(0)}%${r.host.saturated ? "  SATURATED" : ""}`,
  );
console.log(
  `time/T* moved by ${moved.toFixed(3)} (target ≤ 0.05${moved > 0.05 ? (beside.host.saturated ? "; the report says the run was saturated" : "; NOT explained by the report") : ""})`,
);
writeReport("isolation", { alone, beside, moved, explained });
