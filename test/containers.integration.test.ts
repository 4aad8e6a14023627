import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../client/index.js";
import { LIMIT_PRESETS } from "../harness/fake-okta/rate-limits.js";
import { nodeWorker, runLoadtest } from "../harness/index.js";
import { loadScenario, runScenario } from "../harness/runner/index.js";

/**
 * The image and the testcontainers module, for real: Docker starts the `paceline` image and a Redis
 * image, and the host runs a bundled scenario, a 500-user audit, and two worker processes sharing
 * the Redis container's limiter against them. `.ci/run` starts dockerd and builds the images
 * (scripts/docker-base.sh, scripts/docker-redis.sh, `docker build`); elsewhere the suite says why it
 * skips. No image is pulled: testcontainers' reaper (ryuk) is off, and the images are local.
 */
process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
const ROOT = join(import.meta.dirname, "..");
const IMAGE = process.env.PACELINE_IMAGE ?? "paceline:latest";
const REDIS_IMAGE = process.env.PACELINE_REDIS_IMAGE ?? "paceline-redis:latest";

function missing(): string | undefined {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore", timeout: 10_000 });
  } catch {
    return "no Docker engine answers (start dockerd)";
  }
  for (const image of [IMAGE, REDIS_IMAGE]) {
    try {
      execFileSync("docker", ["image", "inspect", image], { stdio: "ignore", timeout: 10_000 });
    } catch {
      return `image ${image} is not built (see .ci/run)`;
    }
  }
  return undefined;
}

const why = missing();
if (why && process.env.CI) throw new Error(`containers suite: ${why}; CI must run it`);
if (why) console.warn(`\n*** SKIPPING the container suite: ${why}. .ci/run builds and runs it. ***\n`);

describe.skipIf(why !== undefined)("the paceline image through testcontainers", () => {
  let paceline: import("../harness/containers/index.js").StartedPacelineContainer;
  let redis: import("../harness/containers/index.js").StartedRedisLimiterContainer;

  beforeAll(async () => {
    const { PacelineContainer, RedisLimiterContainer } = await import("../harness/containers/index.js");
    [paceline, redis] = await Promise.all([
      new PacelineContainer(IMAGE).withUsers(500).withSeed(42).withLimits("tight").start(),
      // No image named: the locally built one is found and used, nothing is pulled.
      process.env.PACELINE_REDIS_IMAGE
        ? new RedisLimiterContainer(REDIS_IMAGE).start()
        : new RedisLimiterContainer().start(),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([paceline?.stop(), redis?.stop()]);
  });

  it("Redis without an image named runs the locally built paceline-redis", () => {
    const image = execFileSync("docker", ["inspect", "--format", "{{.Config.Image}}", redis.getId()], {
      encoding: "utf8",
    }).trim();
    expect(image).toBe(REDIS_IMAGE);
  });

  it("serves the fake Okta and the gateway at the URLs it reports, with the token it chose", async () => {
    const health = await fetch(`${paceline.getAdminUrl()}/health`).then((r) => r.json());
    expect(health).toMatchObject({ status: "ok", users: 500 });
    const page = await fetch(`${paceline.getOktaUrl()}/api/v1/users?limit=2`, {
      headers: { authorization: `SSWS ${paceline.getOktaToken()}` },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get("x-rate-limit-limit")).toMatch(/^\d+$/);
    const unauthorized = await fetch(`${paceline.getOktaUrl()}/api/v1/users`);
    expect(unauthorized.status).toBe(401);
    const client = await connect(paceline.getMcpUrl());
    expect(client.listTools().length).toBeGreaterThan(30);
    await client.close();
  });

  it("a 500-user audit from the host is complete, paced under the tight preset", async () => {
    const [paced] = await runLoadtest({
      users: 500,
      strategies: ["paced"],
      concurrency: 16,
      workers: 1,
      pageSize: 200,
      limits: LIMIT_PRESETS.tight,
      seed: 42,
      mcpUrl: paceline.getMcpUrl(),
    });
    expect(paced).toMatchObject({ complete: true, failed: 0, duplicates: 0 });
    expect(paced?.users).toBeGreaterThan(450);
  }, 120_000);

  it("two worker processes share the Redis container's limiter and audit everyone once", async () => {
    const [shared] = await runLoadtest({
      users: 500,
      strategies: ["paced"],
      concurrency: 16,
      workers: 2,
      pageSize: 200,
      limits: LIMIT_PRESETS.tight,
      seed: 42,
      mcpUrl: paceline.getMcpUrl(),
      redisUrl: redis.getRedisUrl(),
      spawnWorker: nodeWorker(join(ROOT, "dist/cli/main.js")),
    });
    expect(shared).toMatchObject({ complete: true, failed: 0, duplicates: 0 });
    // The workers claimed their budget in the container's Redis: its scripts ran there. (The keys
    // themselves expire with the server's window, so they may be gone by now.)
    const store = new Redis(redis.getRedisUrl());
    const stats = await store.info("commandstats");
    await store.quit();
    const evals = Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    expect(evals, stats).toBeGreaterThan(500);
  }, 180_000);

  it("a bundled scenario runs against the container, set up through its admin APIs", async () => {
    const scenario = await loadScenario(join(ROOT, "scenarios/deprovisioning.yaml"));
    const result = await runScenario(scenario, {
      remote: { adminUrl: paceline.getAdminUrl(), gatewayAdminUrl: paceline.getGatewayAdminUrl() },
    });
    expect(result.error, paceline.getAdminUrl()).toBeUndefined();
    expect(result.failures).toEqual([]);
    expect(result.toolCalls).toBe(4);
  }, 60_000);

  it("the README's testcontainers block runs as written and leaves no container behind", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? "")
      .find((b) => b.includes("paceline/testcontainers"));
    expect(block).toBeDefined();
    const running = () =>
      execFileSync("docker", ["ps", "-q"], { encoding: "utf8" }).trim().split("\n").filter(Boolean).length;
    const before = running();
    // Inside the package, "paceline/…" resolves to this build (a package may import itself by name).
    const dir = mkdtempSync(join(ROOT, "dist", "readme-"));
    try {
      writeFileSync(join(dir, "block.mjs"), block ?? "");
      const out = execFileSync(process.execPath, [join(dir, "block.mjs")], {
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(out).toMatch(/^http:\/\/\S+ \S+ http:\/\/\S+\/__admin/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(running()).toBe(before);
  }, 150_000);
});
