import { afterAll, beforeAll } from "vitest";
import { type RedisHandle, startRedis } from "../../harness/redis-server.js";

/**
 * A redis-server of the suite's own (Debian's, on 127.0.0.1), started before its tests and
 * stopped after. Where none is installed the getter gives undefined, and the suite says loudly
 * what it skips: `.ci/run` installs one, so the tests run in CI.
 */
export function suiteRedis(skipped: string): () => RedisHandle | undefined {
  let redis: RedisHandle | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    if (!redis)
      console.warn(
        `\n*** redis-server not found: ${skipped} SKIPPED. Install Debian's redis-server (.ci/run does). ***\n`,
      );
  }, 30_000);
  afterAll(async () => redis?.stop());
  return () => redis;
}
