import { LIMIT_PRESETS, type RateLimitConfig } from "../fake-okta/rate-limits.js";
import { type AuditCell, type AuditOutcome, auditBound, simulateAudit } from "./simulate-audit.js";

/**
 * The simulation matrix of issue #9: windows of 1 s, 10 s and 60 s; resets rounded up and down;
 * in flight below and above the org's concurrency limit; a 30% storm of injected 429s with 1–2 s
 * resets; 1, 2 and 4 workers on one budget; and tool names the client has never seen (every cell:
 * the client knows no names, so it learns which tools share a budget). Each cell names its targets.
 */
export interface Targets {
  /** time / T* at most. */
  ratio: number;
  /** 429s as a share of attempts at most. */
  share429: number;
}

export interface MatrixCell extends AuditCell {
  targets: Targets;
}

export interface CellResult extends AuditOutcome {
  targets: Targets;
  misses: string[];
}

const okta = LIMIT_PRESETS.okta;
const rounded = (limits: RateLimitConfig, rounding: "up" | "down") => ({
  ...limits,
  resetRounding: rounding,
});
const windowOf = (windowMs: number) => ({ ...okta, windowMs });

/** The storm spends budget too (Okta counts the request before refusing it): T* on the un-stormed share. */
export function stormedLimits(limits: RateLimitConfig, share: number): RateLimitConfig {
  return {
    ...limits,
    buckets: limits.buckets.map((rule) => ({ ...rule, limit: Math.floor(rule.limit * (1 - share)) })),
  };
}

export function matrixCells(): MatrixCell[] {
  const cells: MatrixCell[] = [];
  const shapes = [
    // 60 s windows, Okta's budgets: 10,000 users is 34 windows.
    { window: "60s", limits: okta, users: 10_000, latencyMs: 100, ratio: 1.03 },
    { window: "10s", limits: windowOf(10_000), users: 2_000, latencyMs: 50, ratio: 1.03 },
    // 1 s windows (tight): a whole-second reset is the whole window.
    { window: "1s", limits: LIMIT_PRESETS.tight, users: 500, latencyMs: 10, ratio: 1.1 },
  ];
  for (const shape of shapes) {
    const strict = shape.window !== "1s";
    for (const rounding of ["up", "down"] as const) {
      const limits = rounded(shape.limits, rounding);
      const base = { users: shape.users, limits, latencyMs: shape.latencyMs, concurrency: 16 };
      cells.push({
        ...base,
        name: `${shape.window} reset ${rounding}`,
        targets: { ratio: shape.ratio, share429: strict ? 0.002 : 0.05 },
      });
      // Processes that share the budget without the shared (Redis) limiter: each sees the others
      // only in the counts the server reports, so a window's first burst overlaps. Nor can a
      // worker tell another's spend from a second tool's, so it never learns that its two tools
      // share one budget (merging needs the other tool's own calls to explain the fall). These
      // are regression guards on a stated figure; a budget shared by processes needs the Redis limiter.
      for (const workers of [2, 4])
        cells.push({
          ...base,
          name: `${shape.window} reset ${rounding}, ${workers} workers`,
          concurrency: 16 / workers,
          workers,
          targets: { ratio: strict ? 1.1 : 1.15, share429: strict ? 0.04 : 0.3 },
        });
    }
    cells.push({
      name: `${shape.window} storm 30%, 1200 users`,
      users: 1_200,
      limits: shape.limits,
      latencyMs: shape.latencyMs,
      concurrency: 16,
      stormShare: 0.3,
      targets: { ratio: 1.5, share429: 1 },
    });
  }
  // Above the org's concurrency limit, with latency long enough for it to bind.
  cells.push({
    name: "60s, 100 in flight against 75",
    users: 500,
    limits: okta,
    latencyMs: 300,
    concurrency: 100,
    targets: { ratio: 1.1, share429: 1 },
  });
  cells.push({
    name: "60s, 16 in flight against 75 (below)",
    users: 500,
    limits: okta,
    latencyMs: 300,
    concurrency: 16,
    targets: { ratio: 1.1, share429: 0.002 },
  });
  cells.push({
    name: "1s, 40 in flight against 20",
    users: 500,
    limits: LIMIT_PRESETS.tight,
    latencyMs: 50,
    concurrency: 40,
    targets: { ratio: 1.1, share429: 1 },
  });
  return cells;
}

export async function runCell(cell: MatrixCell): Promise<CellResult> {
  const outcome = await simulateAudit(cell);
  // A storm's T* is the bound on what it leaves of the budget.
  const bound = cell.stormShare
    ? auditBound({ ...cell, limits: stormedLimits(cell.limits, cell.stormShare) })
    : outcome.bound;
  const ratio = outcome.timeMs / bound.lowerBoundMs;
  const result = { ...outcome, bound, ratio, targets: cell.targets, misses: [] as string[] };
  if (!outcome.finished) result.misses.push("did not finish");
  if (!outcome.complete) result.misses.push("incomplete");
  if (outcome.failed > 0) result.misses.push(`${outcome.failed} failed calls`);
  if (ratio > cell.targets.ratio) result.misses.push(`time/T* ${ratio.toFixed(3)} > ${cell.targets.ratio}`);
  if (outcome.share429 > cell.targets.share429)
    result.misses.push(`429s ${(100 * outcome.share429).toFixed(2)}% > ${100 * cell.targets.share429}%`);
  return result;
}
