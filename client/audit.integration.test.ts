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
});
