import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "../harness/start.js";
import { startHarness } from "../harness/start.js";
import { connect, type PacedClient } from "./index.js";

let harness: Harness | undefined;
let client: PacedClient | undefined;
afterEach(async () => {
  await client?.close();
  await harness?.close();
  client = undefined;
  harness = undefined;
});

type User = { id: string; status: string; profile: { login: string } };

/** The audit loop users run: list every user, then each user's admin roles. */
async function audit(paced: PacedClient) {
  const users = await paced.listAll<User>("list_all_okta_users", { limit: 200 });
  const audited = new Map<string, string[]>();
  await Promise.all(
    users.map(async (user) => {
      const result = await paced.callTool("list_all_okta_user_roles", { userId: user.id });
      expect(result.isError ?? false).toBe(false);
      const roles = (result.structuredContent as { result: { type: string }[] }).result.map((r) => r.type);
      audited.set(user.id, roles);
    }),
  );
  return { users, audited };
}

describe("a 500-user audit against the harness (tight limits)", () => {
  it("audits every user, paced, with few 429s", { timeout: 90_000 }, async () => {
    harness = await startHarness({
      fixture: { seed: 5, generate: { users: 520, logs: 0 } },
      limits: "tight",
    });
    client = await connect(harness.gateway.mcpUrl, { limiter: { maxConcurrent: 16 } });
    const started = performance.now();
    const { users, audited } = await audit(client);
    const seconds = (performance.now() - started) / 1000;
    const expected = harness.okta.state.org.users.filter((u) => u.status !== "DEPROVISIONED").length;
    expect(users).toHaveLength(expected);
    expect(audited.size).toBe(expected);
    const journal = harness.okta.state.journal.list();
    const served429 = journal.filter((e) => e.status === 429).length;
    const roleCalls = journal.filter((e) => e.path.endsWith("/roles") && e.status === 200);
    expect(new Set(roleCalls.map((e) => e.path)).size).toBe(expected);
    const stats = client.stats();
    console.log(
      `audit: ${expected} users in ${seconds.toFixed(1)} s, ${journal.length} Okta requests, ${served429} 429s`,
      stats,
    );
    expect(stats.rateLimited).toBe(served429);
    expect(served429 / journal.length).toBeLessThan(0.01);
  });

  it("under a 429 storm and 5xx faults: still complete, reads retried, writes never repeated", {
    timeout: 90_000,
  }, async () => {
    harness = await startHarness({
      fixture: { seed: 6, generate: { users: 500, logs: 0 } },
      limits: "tight",
      faults: {
        seed: 3,
        rules: [
          {
            name: "storm",
            path: "/api/v1/users/*/roles",
            // Counted, not timed: how fast the audit reaches its role calls depends on the machine.
            times: 60,
            probability: 0.3,
            action: { type: "status", status: 429, resetMs: 1000 },
          },
          {
            name: "flaky",
            path: "/api/v1/users/*/roles",
            probability: 0.03,
            action: { type: "status", status: 503 },
          },
          {
            name: "bad gateway",
            path: "/api/v1/users",
            everyNth: 2,
            times: 1,
            action: { type: "status", status: 502 },
          },
          {
            name: "suspend flaky",
            path: "/api/v1/users/*/lifecycle/suspend",
            everyNth: 4,
            action: { type: "status", status: 503 },
          },
        ],
      },
    });
    client = await connect(harness.gateway.mcpUrl, {
      limiter: { maxConcurrent: 16 },
      retry: { baseDelayMs: 50 },
    });
    const { users, audited } = await audit(client);
    const expected = harness.okta.state.org.users.filter((u) => u.status !== "DEPROVISIONED").length;
    expect(audited.size).toBe(expected);
    expect(users).toHaveLength(expected);
    const journal = harness.okta.state.journal.list();
    const stormed = journal.filter((e) => e.faults.includes("storm")).length;
    const flaky = journal.filter((e) => e.faults.includes("flaky")).length;
    // The storm fired its 60 times on about 30% of the role requests that arrived until its last
    // (the flaky 503s may take a few of those first).
    const roles = journal.filter((e) => /\/roles$/.test(e.path));
    const metStorm = roles.slice(0, roles.findLastIndex((e) => e.faults.includes("storm")) + 1);
    expect(stormed).toBe(60);
    expect(stormed / metStorm.length).toBeGreaterThan(0.15);
    expect(flaky).toBeGreaterThan(3);
    // The 502 on a users page fired once, and the read was retried: the listing is complete.
    expect(journal.filter((e) => e.faults.includes("bad gateway") && e.status === 502)).toHaveLength(1);
    expect(client.stats().rateLimited).toBe(journal.filter((e) => e.status === 429).length);

    // Writes: a 503 on suspend may have run, so it is reported, never repeated.
    const active = users.filter((u) => u.status === "ACTIVE").slice(0, 12);
    const results = await Promise.all(
      active.map((u) => client?.callTool("okta_users_suspend", { userId: u.id })),
    );
    const suspends = harness.okta.state.journal
      .list({ method: "POST" })
      .filter((e) => e.path.endsWith("/lifecycle/suspend"));
    expect(suspends).toHaveLength(12);
    expect(new Set(suspends.map((e) => e.path)).size).toBe(12);
    const failed = results.filter((r) => r?.isError);
    expect(failed.length).toBe(suspends.filter((e) => e.status === 503).length);
    expect(failed.length).toBeGreaterThan(0);
    console.log(
      `storm: ${journal.length} requests, ${stormed} storm 429s, ${flaky} 503s, ${failed.length} suspends reported failed`,
      client.stats(),
    );
  });
});
