import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";
import { startHarness } from "../harness/start.js";

/** Shared by the benchmarks: a harness in a child process, a rate loop, and the JSON report. */

export interface HarnessTargets {
  oktaUrl: string;
  oktaToken: string;
  mcpUrl: string;
  gatewayAdminUrl: string;
  userId: string;
  /** Whatever else the bench's child started beside the harness (`serveHarnessToParent(extra)`). */
  extra: Record<string, string>;
}

type Harness = Awaited<ReturnType<typeof startHarness>>;

/**
 * In the child: start an unthrottled harness with 500 users (plus whatever `extra` starts in the
 * same process) and send its URLs to the parent.
 */
export async function serveHarnessToParent(
  extra?: (harness: Harness) => Promise<Record<string, string>>,
): Promise<void> {
  const harness = await startHarness({
    fixture: { seed: 1, generate: { users: 500, logs: 0 } },
    limits: "none",
  });
  const userId = harness.okta.state.org.users[0]?.id ?? "";
  // Exit (not die) on the parent's kill, so `NODE_OPTIONS=--cpu-prof` writes this process's profile too.
  process.once("SIGTERM", () => process.exit(0));
  process.send?.({ ...harness.summary(), userId, extra: extra ? await extra(harness) : {} });
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

export interface LoadResult {
  rps: number;
  p99Ms: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
}

/**
 * Requests per second from autocannon, a load generator far cheaper per request than the servers
 * it drives, so what it measures is the server (the MCP SDK client, by contrast, saturates its own
 * core before the gateway does on single-user calls).
 */
export async function autocannonRate(
  request: { url: string; method?: "GET" | "POST"; headers: Record<string, string>; body?: string },
  seconds: number,
  connections = 32,
): Promise<LoadResult> {
  const result = await autocannon({ ...request, connections, duration: seconds });
  return {
    rps: result.requests.average,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** Event-loop busy time and CPU time of a harness process, from its `/__admin/health`. */
interface ProcessLoad {
  activeMs: number;
  idleMs: number;
  cpuMs: number;
}

async function harnessLoad(adminUrl: string): Promise<ProcessLoad> {
  const health = (await (await fetch(`${adminUrl}/health`)).json()) as { load: ProcessLoad };
  return health.load;
}

/** Runs `run`, with how busy the harness's event loop was meanwhile (0–1). */
export async function whileMeasuringHarness<T>(
  adminUrl: string,
  run: () => Promise<T>,
): Promise<{ result: T; harnessBusy: number }> {
  const before = await harnessLoad(adminUrl);
  const result = await run();
  const after = await harnessLoad(adminUrl);
  const active = after.activeMs - before.activeMs;
  const idle = after.idleMs - before.idleMs;
  return { result, harnessBusy: active + idle > 0 ? active / (active + idle) : 0 };
}

/**
 * Server work per request, compared: `a`'s rate per busy second of its event loop over `b`'s. Where
 * the load generator, not the server, set a rate (busy well under 100%), the plain ratio flatters
 * the slower server; this one does not.
 */
export function perBusyRatio(a: { rps: number; busy: number }, b: { rps: number; busy: number }): number {
  return a.busy > 0 && b.busy > 0 ? a.rps / a.busy / (b.rps / b.busy) : Number.NaN;
}

export function benchSeconds(): number {
  return Number(process.env.BENCH_SECONDS ?? 5);
}

/** Okta's own answer time, as the harness's latency fault: every call under /api/v1/users (none at 0). */
export function latencyAtOkta(ms: number) {
  return ms > 0
    ? { rules: [{ path: "/api/v1/users", action: { type: "latency" as const, ms } }] }
    : undefined;
}

export function writeReport(name: string, report: object): void {
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(
    `bench/results/${name}.json`,
    `${JSON.stringify({ node: process.version, ...report }, null, 2)}\n`,
  );
  console.log(`wrote bench/results/${name}.json`);
}
