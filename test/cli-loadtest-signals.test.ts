import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * A signal to the load test alone (not to its process group, as a CI runner or `kill <pid>` sends
 * it) stops its workers and its harness, and keeps what it had, marked incomplete.
 */
const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");

/** Processes (other than `except`) whose environment carries the marker, with their command lines. */
function marked(marker: string, except?: number): { pid: number; args: string }[] {
  const found: { pid: number; args: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === except) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, "utf8").includes(marker)) continue;
      found.push({ pid, args: readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ") });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

const until = async (ready: () => boolean, timeoutMs: number) => {
  for (const end = Date.now() + timeoutMs; Date.now() < end; )
    if (ready()) return true;
    else await new Promise((resolve) => setTimeout(resolve, 100));
  return false;
};

describe.skipIf(process.platform !== "linux")("paceline loadtest on SIGTERM or SIGINT", () => {
  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)(
    "%s stops every worker and the harness, exits %i, and writes what it has marked incomplete",
    {
      timeout: 90_000,
    },
    async (signal, code) => {
      const marker = `PACELINE_SIGNAL_TEST=${process.pid}-${signal}`;
      const out = join(mkdtempSync(join(tmpdir(), "paceline-signal-")), "run.json");
      const child = spawn(
        process.execPath,
        [
          CLI,
          "loadtest",
          "--users",
          "3000",
          "--workers",
          "2",
          "--strategy",
          "paced",
          "--harness-process",
          "--json",
          out,
        ],
        { env: { ...process.env, [marker.split("=")[0] ?? ""]: marker.split("=")[1] }, stdio: "ignore" },
      );
      const exited = new Promise<number | null>((resolve) => child.once("exit", (status) => resolve(status)));
      // The workers are running: two processes with --worker, beside the harness.
      const started = await until(
        () => marked(marker, child.pid).filter((p) => p.args.includes("--worker")).length === 2,
        60_000,
      );
      expect(started).toBe(true);
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(marked(marker, child.pid)).toEqual([]);
      expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ incomplete: true, signal, reports: [] });
    },
  );
});
