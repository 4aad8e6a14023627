import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { track } from "./shared/children.js";

/**
 * A throwaway `redis-server` on 127.0.0.1 (Debian's package; `.ci/run` installs it), for tests and
 * for `paceline loadtest --shared-limiter auto`.
 * Resolves to undefined when the binary is missing; each caller says so in its own words.
 */
export interface RedisHandle {
  url: string;
  stop(): Promise<void>;
}

function redisBinary(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A loopback port nothing listens on now (bound, then closed): for servers to start on, or to find refused. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Connects to a Redis URL once and pings it: undefined when it answers, otherwise the cause
 * (`ECONNREFUSED`, a timeout…). Never retries; never leaves a connection open.
 */
export async function pingRedis(url: string, connectTimeoutMs = 3000): Promise<string | undefined> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError: NodeJS.ErrnoException | undefined;
  probe.on("error", (error: NodeJS.ErrnoException) => {
    lastError = error;
  });
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    return lastError?.code ?? lastError?.message ?? (error as Error).message;
  } finally {
    probe.disconnect();
  }
}

export async function startRedis(): Promise<RedisHandle | undefined> {
  const binary = redisBinary();
  if (!binary) return undefined;
  const port = await freePort();
  const child: ChildProcess = track(
    spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    }),
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    const problem = await pingRedis(url);
    if (problem === undefined) break;
    if (attempt > 50) throw new Error(`redis-server on port ${port} did not start: ${problem}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}
