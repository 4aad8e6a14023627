import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { startRedis } from "../harness/redis-server.js";
import { startHarness } from "../harness/start.js";
import { suiteRedis } from "../test/support/redis.js";
import { initialBucket } from "./backoff/bucket-policy.js";
import { RedisBudget } from "./engine/redis-budget.js";
import { connect, SharedLimiterError } from "./index.js";

const redisServer = suiteRedis("the shared-limiter tests are");
const POLICY = { freeAbove: 64, firstBudget: 16 };

const run = promisify(execFile);
const WORKER = join(import.meta.dirname, "..", "test", "support", "audit-worker.mjs");

describe("a limiter shared through Redis", () => {
  it("claims a unit of the shared budget before a local slot: the last units wait for the calls in flight, a key at 0 holds every process until it expires", {
    timeout: 30_000,
  }, async (context) => {
    const redis = redisServer();
    if (!redis) return context.skip("redis-server is not installed");
    const budget = new RedisBudget({ url: redis.url, keyPrefix: "claim-test" });
    const store = new Redis(redis.url);
    try {
      const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
      const inFlight = () => store.get("claim-test:flight:users");
      // Unknown (no key): granted, as the window's probe, one call in flight. Its answer (set by
      // hand) says two units are left and lands it.
      expect(await budget.claim("users")).toEqual({ granted: true, bucket: "users" });
      expect(await inFlight()).toBe("1");
      await store.set("claim-test:budget:users", "2", "PX", 5000);
      await store.set("claim-test:flight:users", "0", "PX", 5000);
      expect(await budget.claim("users")).toEqual({ granted: true, bucket: "users" });
      // One unit left and one call in flight, which the server may count after the answer that
      // set the key: ask again in a poll (25 ms), not at the key's end.
      expect(await budget.claim("users")).toEqual({ granted: false, retryInMs: 25, bucket: "users" });
      // That call lost (no answer): it settles, and the last unit goes.
      budget.tell({ bucket: "users", step: "unanswered", state: initialBucket(POLICY), at: Date.now() });
      await settle();
      expect(await inFlight()).toBe("0");
      expect(await budget.claim("users")).toEqual({ granted: true, bucket: "users" });
      // Spent: ask again at a quarter of the key's 5 s life (another process may shorten it meanwhile).
      const spent = await budget.claim("users");
      expect(spent.granted).toBe(false);
      if (!spent.granted) {
        expect(spent.retryInMs).toBeLessThanOrEqual(1250);
        expect(spent.retryInMs).toBeGreaterThan(500);
      }
      // A unit claimed for a call that was never sent comes back, and that call is not in flight.
      budget.giveBack("users");
      await settle();
      expect(await store.get("claim-test:budget:users")).toBe("1");
      expect(await inFlight()).toBe("0");
    } finally {
      await budget.close();
      store.disconnect();
    }
  });

  it("a merge one process learnt is every process's: following claims spend the root's budget, declared ones their own", {
    timeout: 30_000,
  }, async (context) => {
    const redis = redisServer();
    if (!redis) return context.skip("redis-server is not installed");
    const a = new RedisBudget({ url: redis.url, keyPrefix: "merge-test" });
    const b = new RedisBudget({ url: redis.url, keyPrefix: "merge-test" });
    const store = new Redis(redis.url);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
    try {
      await store.set("merge-test:budget:groups", "5", "PX", 5000);
      await store.set("merge-test:budget:roles", "5", "PX", 5000);
      await a.claim("roles"); // connects a, so its merge goes out
      // a learnt roles spends groups' budget (the name that sorts first is the root).
      a.merged("roles", "groups");
      await settle();
      expect(await b.claim("roles", true)).toEqual({ granted: true, bucket: "groups" });
      expect(await store.get("merge-test:budget:groups")).toBe("4");
      // A declared bucket never follows a learnt merge.
      expect(await b.claim("roles", false)).toEqual({ granted: true, bucket: "roles" });
      expect(await store.get("merge-test:budget:roles")).toBe("3");
      // Sets join at their roots, whichever way a merge is told: audit → roles → groups.
      b.merged("roles", "audit");
      await settle();
      expect(await store.hgetall("merge-test:merges")).toEqual({ roles: "groups", groups: "audit" });
      expect((await a.claim("roles", true)).bucket).toBe("audit");
      expect((await a.claim("groups", true)).bucket).toBe("audit");
      // A merge told again, or of two already one, changes nothing.
      a.merged("groups", "roles");
      await settle();
      expect(await store.hlen("merge-test:merges")).toBe(2);
    } finally {
      await a.close();
      await b.close();
      store.disconnect();
    }
  });

  it("a new window starts with one probe across processes; its answer sets the count the others claim from", {
    timeout: 30_000,
  }, async (context) => {
    const redis = redisServer();
    if (!redis) return context.skip("redis-server is not installed");
    const a = new RedisBudget({ url: redis.url, keyPrefix: "probe-test" });
    const b = new RedisBudget({ url: redis.url, keyPrefix: "probe-test" });
    const store = new Redis(redis.url);
    const at = Date.now();
    const answered = (remaining: number) =>
      ({
        bucket: "other",
        step: "answered",
        at,
        state: {
          mode: "paced",
          budget: remaining,
          remaining,
          remainingAt: at,
          refilledAt: at,
          held: false,
          probing: false,
          refusedProbes: 0,
        },
      }) as const;
    try {
      // No key: the first claim goes and marks it; another process waits for that answer, briefly.
      expect(await a.claim("other")).toEqual({ granted: true, bucket: "other" });
      expect(await store.get("probe-test:budget:other")).toBe("-1");
      const waiting = await b.claim("other");
      expect(waiting.granted).toBe(false);
      if (!waiting.granted) expect(waiting.retryInMs).toBeLessThanOrEqual(25);
      // The probe's answer (59 left) sets the count; the others claim from it.
      a.tell(answered(59));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await store.get("probe-test:budget:other")).toBe("59");
      expect(await b.claim("other")).toEqual({ granted: true, bucket: "other" });
      expect(await store.get("probe-test:budget:other")).toBe("58");
      // A probe never sent unmarks the key, so another process may probe.
      await store.set("probe-test:budget:other", "-1", "PX", 2000);
      a.giveBack("other");
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await store.exists("probe-test:budget:other")).toBe(0);
      // An answer that reports no budget frees a marked key: nothing to count, nobody waits.
      await store.set("probe-test:budget:other", "-1", "PX", 2000);
      a.tell({ ...answered(0), state: { ...answered(0).state, mode: "unknown", remaining: undefined } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(Number(await store.get("probe-test:budget:other"))).toBeGreaterThan(1000);
    } finally {
      await a.close();
      await b.close();
      store.disconnect();
    }
  });

  it("what one process learns of a window is every process's: where it opened, and the windows' length", {
    timeout: 30_000,
  }, async (context) => {
    const redis = redisServer();
    if (!redis) return context.skip("redis-server is not installed");
    const a = new RedisBudget({ url: redis.url, keyPrefix: "window-test" });
    const b = new RedisBudget({ url: redis.url, keyPrefix: "window-test" });
    const store = new Redis(redis.url);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
    // The length a granted claim carries.
    const lengthOf = async (budget: RedisBudget) => {
      const claim = await budget.claim("users");
      return claim.granted ? claim.length : "not granted";
    };
    const at = 1_800_000_000_000.25;
    const answered = (windowMs: { lo: number; hi: number }, opened?: { lo: number; hi: number }) =>
      ({
        bucket: "users",
        step: "answered",
        at,
        opened,
        state: {
          mode: "paced",
          budget: 58,
          remaining: 59,
          remainingAt: at,
          refilledAt: at,
          held: false,
          probing: false,
          refusedProbes: 0,
          windowMs,
        },
      }) as const;
    try {
      // a's probe opens the window; its answer says when, and what a has learnt of the length.
      expect(await a.claim("users")).toEqual({ granted: true, bucket: "users" });
      a.tell(answered({ lo: 950.5, hi: 1100 }, { lo: at - 12, hi: at }));
      await settle();
      expect(await b.claim("users")).toEqual({
        granted: true,
        bucket: "users",
        opened: { lo: at - 12, hi: at },
        length: { lo: 950.5, hi: 1100 },
      });
      // b's bounds narrow the known length; bounds that contradict it replace it (newest wins).
      b.tell(answered({ lo: 900, hi: 1010 }));
      await settle();
      expect(await lengthOf(a)).toEqual({ lo: 950.5, hi: 1010 });
      b.tell(answered({ lo: 2000, hi: 2500 }));
      await settle();
      expect(await lengthOf(a)).toEqual({ lo: 2000, hi: 2500 });
      // The next window: its probe's answer did not find the start, so the old window's is forgotten
      // (the length stays).
      await store.del("window-test:budget:users");
      expect(await b.claim("users")).toEqual({ granted: true, bucket: "users" });
      b.tell(answered({ lo: 2000, hi: 2500 }));
      await settle();
      expect(await a.claim("users")).toEqual({
        granted: true,
        bucket: "users",
        length: { lo: 2000, hi: 2500 },
      });
      expect(await store.exists("window-test:opened:users")).toBe(0);
      // A value no process wrote is no interval, and the next length told replaces it.
      await store.set("window-test:length:users", "soon,later");
      expect(await lengthOf(a)).toBeUndefined();
      a.tell(answered({ lo: 990, hi: 1000 }));
      await settle();
      expect(await lengthOf(b)).toEqual({ lo: 990, hi: 1000 });
    } finally {
      await a.close();
      await b.close();
      store.disconnect();
    }
  });

  it("a lost Redis fails queued and new calls at once with an error naming its address, never hangs", {
    timeout: 60_000,
  }, async (context) => {
    const own = await startRedis();
    if (!own) return context.skip("redis-server is not installed");
    const harness = await startHarness({
      fixture: { seed: 4, generate: { users: 5, logs: 0 } },
      limits: "none",
    });
    const address = own.url;
    try {
      const client = await connect(harness.gateway.mcpUrl, {
        limiter: { redis: { url: own.url, keyPrefix: "lost-test" } },
        retry: { deadlineMs: 10_000 },
      });
      const userId = harness.okta.state.org.users[0]?.id;
      expect((await client.callTool("list_all_okta_user_roles", { userId })).isError).toBeFalsy();
      await own.stop();
      const failures = await Promise.allSettled(
        Array.from({ length: 4 }, () => client.callTool("list_all_okta_user_roles", { userId })),
      );
      for (const failure of failures) {
        expect(failure.status).toBe("rejected");
        const error = (failure as PromiseRejectedResult).reason as Error;
        expect(error).toBeInstanceOf(SharedLimiterError);
        expect(error.message).toContain(address);
      }
      await client.close();

      // A client whose Redis was never there fails its first call the same way.
      const orphan = await connect(harness.gateway.mcpUrl, {
        limiter: { redis: { url: address, keyPrefix: "lost-test" } },
        retry: { deadlineMs: 10_000 },
      });
      await expect(orphan.callTool("list_all_okta_user_roles", { userId })).rejects.toThrow(address);
      await orphan.close();
    } finally {
      await harness.close();
    }
  });

  it("two worker processes on one Redis limiter: every call answered, every 429 accounted, the refusals bounded", {
    timeout: 120_000,
  }, async (context) => {
    const redis = redisServer();
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
      // 300 calls at 60 a second: a limiter that paced nothing would meet hundreds of 429s. How the
      // two compare is a figure of one noisy run each (24–35 here, either way): it is measured in
      // virtual time over seeds (the matrix's Redis cells) and against the harness in bench:calibrate.
      for (const run of [separate, shared]) expect(run.served429).toBeLessThan(ids.length / 5);
    } finally {
      await harness.close();
    }
  });
});
