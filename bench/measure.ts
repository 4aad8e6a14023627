import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { startHarness } from "../harness/start.js";

/** Shared by the benchmarks: a harness in a child process, a rate loop, and the JSON report. */

export interface HarnessTargets {
  oktaUrl: string;
  oktaToken: string;
  mcpUrl: string;
  gatewayAdminUrl: string;
  userId: string;
}

/** In the child: start an unthrottled harness with 500 users and send its URLs to the parent. */
export async function serveHarnessToParent(): Promise<void> {
  const harness = await startHarness({
    fixture: { seed: 1, generate: { users: 500, logs: 0 } },
    limits: "none",
  });
  const userId = harness.okta.state.org.users[0]?.id ?? "";
  process.send?.({ ...harness.summary(), userId });
}

/** In the parent: fork `script --serve` and wait for its harness. */
export async function forkHarness(script: URL): Promise<{ targets: HarnessTargets; stop: () => void }> {
  const child = fork(script, ["--serve"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const targets = await new Promise<HarnessTargets>((resolve) =>
    child.once("message", (m) => resolve(m as HarnessTargets)),
  );
  return { targets, stop: () => child.kill() };
}

/** Runs `call` in `inFlight` concurrent loops for `seconds`; returns calls per second. */
export async function rate(call: () => Promise<void>, seconds: number, inFlight = 16): Promise<number> {
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

export function benchSeconds(): number {
  return Number(process.env.BENCH_SECONDS ?? 5);
}

export function writeReport(name: string, report: object): void {
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(
    `bench/results/${name}.json`,
    `${JSON.stringify({ node: process.version, ...report }, null, 2)}\n`,
  );
  console.log(`wrote bench/results/${name}.json`);
}
