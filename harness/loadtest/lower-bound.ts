/**
 * The least time an audit loop can take (harness-anchors.md §4): U users listed P per page
 * (pages = ⌈U/P⌉, one after another), then a fixed number of calls per user; each rate-limit
 * bucket allows L calls per fixed window W, at most C calls are in flight, each takes d.
 *
 *   T_rate = max over buckets of (⌈N_b/L_b⌉ − 1)·W_b + ⌈R_b/C⌉·d
 *            where R_b = N_b − (⌈N_b/L_b⌉ − 1)·L_b calls are left for the last window: they cannot
 *            start before it opens, and at most C go at a time (with C unbounded, the reference's
 *            `+ d`, harness-anchors.md §4)
 *   T_conc = d·(1 + ⌈(N − 1)/C⌉)                                (the first page must come back first)
 *   T_path = (pages + 1)·d                                      (the cursor chain, then one more call)
 *   T*     = max(T_rate, T_conc, T_path)
 */
export interface BucketLoad {
  name: string;
  calls: number;
  limit: number;
  windowMs: number;
}

export interface BoundInput {
  users: number;
  pageSize: number;
  /** Calls made per user after listing (roles and groups: 2). */
  callsPerUser: number;
  concurrency: number;
  latencyMs: number;
  buckets: BucketLoad[];
}

export interface Bound {
  pages: number;
  totalCalls: number;
  rateMs: number;
  concurrencyMs: number;
  pathMs: number;
  lowerBoundMs: number;
  /** Which term binds. */
  limitedBy: "rate" | "concurrency" | "path";
}

export function pagesFor(users: number, pageSize: number): number {
  return Math.max(1, Math.ceil(users / pageSize));
}

export function lowerBound(input: BoundInput): Bound {
  const pages = pagesFor(input.users, input.pageSize);
  const totalCalls = pages + input.callsPerUser * input.users;
  const d = input.latencyMs;
  const rateMs = Math.max(
    0,
    ...input.buckets
      .filter((b) => b.calls > 0 && b.limit > 0)
      .map((b) => {
        const fullWindows = Math.ceil(b.calls / b.limit) - 1;
        const last = b.calls - fullWindows * b.limit;
        return fullWindows * b.windowMs + Math.ceil(last / Math.max(1, input.concurrency)) * d;
      }),
  );
  const concurrencyMs = d * (1 + Math.ceil((totalCalls - 1) / Math.max(1, input.concurrency)));
  const pathMs = (pages + 1) * d;
  const lowerBoundMs = Math.max(rateMs, concurrencyMs, pathMs);
  const limitedBy =
    lowerBoundMs === rateMs ? "rate" : lowerBoundMs === concurrencyMs ? "concurrency" : "path";
  return { pages, totalCalls, rateMs, concurrencyMs, pathMs, lowerBoundMs, limitedBy };
}
