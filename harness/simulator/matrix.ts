import { LIMIT_PRESETS, type RateLimitConfig } from "../fake-okta/rate-limits.js";
import { type AuditCell, type AuditOutcome, auditBound, simulateAudit } from "./simulate-audit.js";

/**
 * The simulation matrix: windows of 1 s, 10 s and 60 s; resets rounded up and down; windows that
 * open with the first request or sit on a fixed grid of unknown phase; realistic gateway latency
 * (50 and 300 ms, ±50% uniform jitter); in flight below and above the org's concurrency limit; a
 * gateway that reports budgets only on 429s, or answers 429s as HTTP 429 with its Retry-After;
 * 2 and 4 workers on one Redis budget, and independent; a storm of injected 429s; another,
 * unpaced client on the same bucket. Every client knows no tool names. Each cell runs over
 * `SEEDS` seeds and is judged by its worst seed; every cell has a 429 target that can fail.
 */
export interface Targets {
  /** time / T* at most, for the worst seed. */
  ratio: number;
  /** 429s as a share of attempts at most, for the worst seed. */
  share429: number;
}

export interface MatrixCell extends AuditCell {
  targets: Targets;
  /** A stated figure, not a goal the policy is held to (independent workers). */
  guard?: boolean;
  /** Why this cell's targets are not met yet: the policy work still open (see OPEN). */
  open?: string;
}

/**
 * Cells whose targets the policy does not meet yet, with what is missing. The matrix test holds
 * them to finishing complete with no failed call and prints their figures; every other cell is
 * held to its targets for every seed.
 */
const OPEN: [RegExp, string][] = [
  [
    /^1s reset up, periodic windows, 100 ms/,
    "one seed of ten (1.203; p90 1.038, 0.30% of 429s): a 1 s grid's edge at 100 ms latency is known only to a round trip, and that seed's grid phase is learnt late, so its probes are late for several windows",
  ],
  [
    /^1s, budgets reported only on 429s/,
    "the limit is found by hitting it: every refusal of the worst seeds (15 of 1,018 attempts, 1.47%) is a first-window call sent before the first 429 came back (16 in flight) or by the other tool's bucket before the two are known to be one; from the second window on, none",
  ],
  [
    /^1s, 40 in flight against 20 at 100 ms$/,
    "with half of each round trip outside Okta, Okta sees about half of the calls in flight, so the concurrency cap grows to about 30 in the first window and the next window's first burst meets the limit of 20 at once (2.05% of 429s, time 1.088; a burst held to half the cap per half round trip cut it only to 1.76% and cost the concurrency-bound 10 s cells 5%); with all of it at Okta (the harness's twin), met",
  ],
  [
    /^1\.5s windows .*periodic/,
    "a grid whose windows are not whole seconds: a length rounded to a whole second is refuted by a check probe, then learnt from the edges' wide intervals, so probes are refused about once a window on the worst seeds (3.37%; p90 2.05%; time 1.023, met)",
  ],
  [
    /^1s storm/,
    "1 s windows under a 30% storm: injected resets of 1–2 s hold a whole window, and a storm's refusal of a probe at a whole-second edge reads as the window still open, which can teach (and a refused length check confirm) a length of 2 s (1.718; 1.550 before whole-second edges were probed)",
  ],
  [
    /^10s reset down, periodic windows, 50 ms/,
    "the worst seed is 0.25 point above the 429 target (0.45%; p90 0.25%): a 10 s grid's phase is learnt over only three windows, and each edge before it is pinned costs one or two probes",
  ],
];

export interface CellResult extends AuditOutcome {
  targets: Targets;
  misses: string[];
}

export interface CellSummary {
  cell: MatrixCell;
  runs: CellResult[];
  worst: { ratio: number; share429: number };
  p90: { ratio: number; share429: number };
  misses: string[];
}

export const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);

const okta = LIMIT_PRESETS.okta;
const tight = LIMIT_PRESETS.tight;
const windowOf = (windowMs: number): RateLimitConfig => ({ ...okta, windowMs });

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
    // 60 s windows, Okta's budgets: 3,000 users is 10 windows of the "other" bucket.
    {
      window: "60s",
      limits: okta,
      users: 3_000,
      latencies: [50, 300],
      targets: { ratio: 1.03, share429: 0.002 },
    },
    {
      window: "10s",
      limits: windowOf(10_000),
      users: 1_000,
      latencies: [50, 300],
      targets: { ratio: 1.03, share429: 0.002 },
    },
    // 1 s windows (tight): a whole-second reset is the whole window.
    {
      window: "1s",
      limits: tight,
      users: 500,
      latencies: [10, 100],
      targets: { ratio: 1.1, share429: 0.01 },
    },
  ];
  for (const shape of shapes) {
    for (const rounding of ["up", "down"] as const)
      for (const windowModel of ["first-request", "periodic"] as const)
        for (const latencyMs of shape.latencies)
          cells.push({
            name: `${shape.window} reset ${rounding}, ${windowModel} windows, ${latencyMs} ms ±50%`,
            users: shape.users,
            limits: { ...shape.limits, resetRounding: rounding, windowModel },
            latencyMs,
            jitter: 0.5,
            concurrency: 16,
            targets: shape.targets,
          });
    const base = {
      users: shape.users,
      limits: shape.limits,
      latencyMs: shape.latencies[0] ?? 50,
      jitter: 0.5,
    };
    for (const workers of [2, 4]) {
      cells.push({
        ...base,
        name: `${shape.window}, ${workers} workers on one Redis budget`,
        concurrency: 16 / workers,
        workers,
        sharedLimiter: true,
        targets: { ratio: 1.1, share429: 0.01 },
      });
      // Each worker sees the others only in the counts the server reports: a stated figure.
      cells.push({
        ...base,
        name: `${shape.window}, ${workers} independent workers`,
        concurrency: 16 / workers,
        workers,
        guard: true,
        targets: { ratio: 1.15, share429: 0.3 },
      });
    }
    cells.push({
      ...base,
      name: `${shape.window}, budgets reported only on 429s`,
      concurrency: 16,
      reporting: "on_429",
      targets: { ratio: 1.1, share429: 0.01 },
    });
    cells.push({
      ...base,
      name: `${shape.window}, HTTP 429 with the gateway's Retry-After`,
      concurrency: 16,
      rateLimitMode: "http_429",
      targets: shape.targets,
    });
    cells.push({
      ...base,
      name: `${shape.window}, another client spends a tenth of the bucket unpaced`,
      concurrency: 16,
      competitorPerSecond: (0.1 * 600) / (shape.window === "1s" ? 10 : 60),
      targets: { ratio: 1.1, share429: 0.02 },
    });
    cells.push({
      ...base,
      name: `${shape.window} storm 30%, 1200 users`,
      users: 1_200,
      concurrency: 16,
      stormShare: 0.3,
      // Injected 429s are the storm's; the client's own cost is what it adds on top.
      targets: { ratio: 1.5, share429: 0.33 },
    });
  }
  // Windows that are not a whole number of seconds (the sources say only "usually 60 s"): the
  // values that help a client that counts in whole seconds least.
  for (const windowModel of ["first-request", "periodic"] as const)
    cells.push({
      name: `1.5s windows (not whole seconds), ${windowModel} windows, 10 ms ±50%`,
      users: 500,
      limits: { ...tight, windowMs: 1500, windowModel },
      latencyMs: 10,
      jitter: 0.5,
      concurrency: 16,
      targets: { ratio: 1.1, share429: 0.01 },
    });
  // Above the org's concurrency limit, with latency long enough for it to bind.
  cells.push({
    name: "60s, 100 in flight against 75 at 300 ms",
    users: 500,
    limits: okta,
    latencyMs: 300,
    jitter: 0.5,
    concurrency: 100,
    targets: { ratio: 1.1, share429: 0.01 },
  });
  cells.push({
    name: "1s, 40 in flight against 20 at 100 ms",
    users: 500,
    limits: tight,
    latencyMs: 100,
    jitter: 0.5,
    concurrency: 40,
    targets: { ratio: 1.1, share429: 0.01 },
  });
  // The harness's twin: its injected latency sits at the fake Okta, after the count.
  cells.push({
    name: "1s, 40 in flight against 20 at 100 ms, all of it at Okta",
    users: 500,
    limits: tight,
    latencyMs: 100,
    jitter: 0.5,
    serverShare: 0.9,
    concurrency: 40,
    targets: { ratio: 1.1, share429: 0.01 },
  });
  for (const cell of cells) cell.open ??= OPEN.find(([pattern]) => pattern.test(cell.name))?.[1];
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

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
};

/** A cell over every seed: its worst and 90th-percentile figures, and each seed's misses. */
export async function runCellOverSeeds(cell: MatrixCell, seeds: number[] = SEEDS): Promise<CellSummary> {
  const runs: CellResult[] = [];
  for (const seed of seeds) runs.push(await runCell({ ...cell, seed }));
  const ratios = runs.map((r) => r.ratio);
  const shares = runs.map((r) => r.share429);
  return {
    cell,
    runs,
    worst: { ratio: Math.max(...ratios), share429: Math.max(...shares) },
    p90: { ratio: percentile(ratios, 0.9), share429: percentile(shares, 0.9) },
    misses: runs.flatMap((r) => r.misses.map((miss) => `seed ${r.seed}: ${miss}`)),
  };
}
