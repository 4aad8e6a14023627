import type { ChildProcess } from "node:child_process";

/**
 * The processes a load test starts (workers, a harness, redis-server), so that a signal to the
 * load test alone — not to its whole process group — still stops every one of them.
 */
const running = new Set<ChildProcess>();

/** Keeps track of a child until it exits. */
export function track<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** Sends SIGTERM to every child still running and waits (at most `graceMs`) for them to exit. */
export async function stopChildren(graceMs = 5_000): Promise<void> {
  const exits = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  );
  await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  for (const child of running) child.kill("SIGKILL");
}
