import { describe, expect, it } from "vitest";
import { LIMIT_PRESETS } from "../fake-okta/rate-limits.js";
import { matrixCells, runCell } from "./matrix.js";
import { simulateAudit } from "./simulate-audit.js";

/**
 * The limiter policy against Okta's limits in virtual time (harness/simulator): every cell must
 * finish complete, with no failed call, within its stated time/T* and 429 share. The whole matrix
 * (a 10,000-user audit under 60 s windows among it) runs in about a second of wall time.
 */
describe("the simulation matrix", () => {
  it.each(matrixCells().map((cell) => [cell.name, cell] as const))("%s", async (_name, cell) => {
    const result = await runCell(cell);
    expect(result.misses).toEqual([]);
    expect(result).toMatchObject({ finished: true, complete: true, failed: 0 });
  });

  it("is deterministic: the same seed gives the same run", async () => {
    const cell = {
      name: "repeat",
      users: 500,
      limits: LIMIT_PRESETS.tight,
      latencyMs: 10,
      concurrency: 16,
      seed: 7,
    };
    const { server: a, ...first } = await simulateAudit(cell);
    const { server: b, ...second } = await simulateAudit(cell);
    expect(second).toEqual(first);
    expect(b).toEqual(a);
  });

  it("the cells can fail: a client that ignores its budget (retry-only) misses the 429 target", async () => {
    const cell = matrixCells().find((c) => c.name === "10s reset up");
    if (!cell) throw new Error("cell missing");
    const result = await runCell({ ...cell, strategy: "retry-only" });
    expect(result.misses.join("; ")).toMatch(/429s/);
  });

  it("tool names play no part: Okta-like names and names never seen give the same run", async () => {
    const base = { name: "names", users: 1000, limits: LIMIT_PRESETS.tight, latencyMs: 10, concurrency: 16 };
    const unseen = await simulateAudit({ ...base, tools: { list: "a1", roles: "b2", groups: "c3" } });
    const okta = await simulateAudit({
      ...base,
      tools: {
        list: "list_all_okta_users",
        roles: "list_all_okta_user_roles",
        groups: "list_all_okta_user_groups",
      },
    });
    expect(okta.timeMs).toBe(unseen.timeMs);
    expect(okta.attempts).toBe(unseen.attempts);
  });
});
