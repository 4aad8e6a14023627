import { describe, expect, it } from "vitest";
import { LIMIT_PRESETS } from "../fake-okta/rate-limits.js";
import { matrixCells, runCell, runCellOverSeeds, SEEDS } from "./matrix.js";
import { simulateAudit } from "./simulate-audit.js";

/**
 * The pacing policy against Okta's limits in virtual time (harness/simulator), running the real
 * call engine: every cell over ten seeds, each finishing complete with no failed call; every cell
 * not marked open within its stated time/T* and 429 share for its worst seed. Open cells print
 * their figures (the work they still need is named in matrix.ts).
 */
describe(`the simulation matrix (${SEEDS.length} seeds a cell, judged by the worst)`, () => {
  it.each(matrixCells().map((cell) => [cell.name, cell] as const))(
    "%s",
    async (_name, cell) => {
      const summary = await runCellOverSeeds(cell);
      for (const run of summary.runs)
        expect(run).toMatchObject({ finished: true, complete: true, failed: 0 });
      if (cell.open || cell.guard) {
        console.log(
          `${cell.guard ? "stated" : "open"}: ${cell.name}: worst time/T* ${summary.worst.ratio.toFixed(3)}, 429s ${(100 * summary.worst.share429).toFixed(2)}%${cell.open ? ` (${cell.open})` : ""}`,
        );
        if (cell.guard) expect(summary.misses).toEqual([]);
        return;
      }
      expect(summary.misses).toEqual([]);
    },
    30_000,
  );

  it("is deterministic: the same seed gives the same run", async () => {
    const cell = {
      name: "repeat",
      users: 500,
      limits: LIMIT_PRESETS.tight,
      latencyMs: 10,
      jitter: 0.5,
      concurrency: 16,
      seed: 7,
    };
    const { server: a, ...first } = await simulateAudit(cell);
    const { server: b, ...second } = await simulateAudit(cell);
    expect(second).toEqual(first);
    expect(b).toEqual(a);
  });

  it("the cells can fail: a client that ignores its budget (retry-only) misses the 429 target", async () => {
    const cell = matrixCells().find((c) => c.name === "60s reset up, first-request windows, 50 ms ±50%");
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
