import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisHandle, startRedis } from "../harness/redis-server.js";
import { startHarness } from "../harness/start.js";
import { BucketLimiter } from "./backoff/bucket-limiter.js";

let redis: RedisHandle | undefined;
beforeAll(async () => {
  redis = await startRedis();
  if (!redis)
    console.warn(
      "\n*** redis-server not found: the shared-limiter tests are SKIPPED. Install Debian's redis-server (.ci/run does). ***\n",
    );
}, 30_000);
afterAll(async () => redis?.stop());

const run = promisify(execFile);
const WORKER = join(import.meta.dirname, "..", "test", "support", "audit-worker.mjs");

describe("a limiter shared through Redis", () => {
  it("survives bottleneck's Redis ≥ 7 key-expiry bug (SETTINGS_KEY_NOT_FOUND)", {
    timeout: 30_000,
  }, async (context) => {
    if (!redis) return context.skip("redis-server is not installed");
    // The bug itself, on plain bottleneck: after the keys' TTL the next schedule fails.
    const client = new Redis(redis.url);
    client.on("error", () => {});
    const plain = new Bottleneck({
      id: "expiry-plain",
      datastore: "ioredis",
      connection: new Bottleneck.IORedisConnection({ client }),
      timeout: 1000,
    });
    plain.on("error", () => {});
    await plain.schedule(async () => "first");
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await expect(plain.schedule(async () => "second")).rejects.toThrow(/SETTINGS_KEY_NOT_FOUND/);
    await plain.disconnect(false);
    client.disconnect();

    // paceline's limiter recreates the bucket and runs the call.
    const limiter = new BucketLimiter({
      redis: { url: redis.url, keyPrefix: "expiry-test", keyTtlMs: 1000 },
    });
    expect(await limiter.schedule("users:read", async () => "first")).toBe("first");
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await limiter.schedule("users:read", async () => "second")).toBe("second");
    await limiter.close();
  });

  it("two worker processes sharing one Redis limiter meet fewer 429s than with separate local limiters", {
    timeout: 120_000,
  }, async (context) => {
    if (!redis) return context.skip("redis-server is not installed");
    const harness = await startHarness({
      fixture: { seed: 9, generate: { users: 300, logs: 0 } },
      limits: "tight",
    });
    try {
      const ids = harness.okta.state.org.users.map((u) => u.id);
      const halves = [ids.filter((_, i) => i % 2 === 0), ids.filter((_, i) => i % 2 === 1)];
      const audit = async (redisUrl: string) => {
        harness.okta.state.journal.clear();
        const outputs = await Promise.all(
          halves.map((half) =>
            run(process.execPath, [WORKER, harness.gateway.mcpUrl, redisUrl], {
              timeout: 100_000,
              env: { ...process.env, AUDIT_USERS: half.join(",") },
            }),
          ),
        );
        const stats = outputs.map(
          (o) =>
            JSON.parse(o.stdout.trim().split("\n").at(-1) ?? "{}") as { calls: number; rateLimited: number },
        );
        const served429 = harness.okta.state.journal.list().filter((e) => e.status === 429).length;
        expect(stats.reduce((sum, s) => sum + s.calls, 0)).toBe(ids.length);
        return { served429, reported: stats.reduce((sum, s) => sum + s.rateLimited, 0) };
      };
      // Let the previous window run out before each run.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const separate = await audit("-");
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const shared = await audit(redis.url);
      console.log(
        `300 role calls by 2 workers: separate limiters ${separate.served429} 429s, shared Redis limiter ${shared.served429} 429s`,
      );
      expect(separate.reported).toBe(separate.served429);
      expect(shared.reported).toBe(shared.served429);
      // Separate processes already pace from the counts Okta reports; sharing the reservoir must not do worse.
      expect(shared.served429).toBeLessThanOrEqual(separate.served429);
    } finally {
      await harness.close();
    }
  });
});
