import { z } from "zod";
import type { Clock } from "../shared/clock.js";
import { Rng } from "./rng.js";

/**
 * A declarative, seeded fault schedule. Each rule matches requests by method and path and fires by
 * probability, every Nth match, and/or inside a time window; `times` caps how often it fires.
 */
export const FaultActionSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("status"),
    status: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
    /** For 429: when the injected limit resets (X-Rate-Limit-Reset = now + resetMs). */
    resetMs: z.number().int().nonnegative().default(1000),
  }),
  z.strictObject({
    type: z.literal("latency"),
    ms: z.number().int().nonnegative(),
    /** Spread: each delay is `ms × (1 ± jitter)`, uniform, from the schedule's seed (the simulator's twin). */
    jitter: z.number().min(0).max(1).default(0),
  }),
  z.strictObject({ type: z.literal("reset") }),
  z.strictObject({ type: z.literal("malformed") }),
]);

export const FaultRuleSchema = z.strictObject({
  name: z.string().optional(),
  method: z.string().toUpperCase().optional(),
  /** A path prefix, or a pattern with `*` wildcards (`/api/v1/users/*\/roles`). */
  path: z.string().startsWith("/").optional(),
  probability: z.number().min(0).max(1).optional(),
  everyNth: z.number().int().positive().optional(),
  /** Milliseconds after the schedule was installed. */
  fromMs: z.number().int().nonnegative().optional(),
  toMs: z.number().int().positive().optional(),
  times: z.number().int().positive().optional(),
  action: FaultActionSchema,
});

export const FaultScheduleSchema = z.strictObject({
  seed: z.number().int().default(1),
  rules: z.array(FaultRuleSchema),
});

export type FaultAction = z.infer<typeof FaultActionSchema>;
export type FaultRule = z.infer<typeof FaultRuleSchema>;
export type FaultSchedule = z.input<typeof FaultScheduleSchema>;

export interface FaultPlan {
  /** Added before the response. */
  latencyMs: number;
  /** What replaces or spoils the response, if anything. */
  action?: Exclude<FaultAction, { type: "latency" }>;
  /** Names (or indexes) of the rules that fired, for the journal. */
  fired: string[];
}

interface RuleState {
  rule: FaultRule;
  label: string;
  pathMatcher?: RegExp;
  matches: number;
  fired: number;
}

export class FaultInjector {
  private rules: RuleState[] = [];
  private rng = new Rng(1);
  private installedAt = 0;

  constructor(private readonly clock: Clock) {}

  install(schedule: FaultSchedule): void {
    const parsed = FaultScheduleSchema.parse(schedule);
    this.rng = new Rng(parsed.seed);
    this.installedAt = this.clock.now();
    this.rules = parsed.rules.map((rule, index) => ({
      rule,
      label: rule.name ?? `rule ${index}`,
      pathMatcher: rule.path ? pathPattern(rule.path) : undefined,
      matches: 0,
      fired: 0,
    }));
  }

  clear(): void {
    this.rules = [];
  }

  get active(): FaultRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** Decides the faults for one request. Latency rules add up; the first other rule to fire wins. */
  plan(method: string, path: string): FaultPlan | undefined {
    if (this.rules.length === 0) return undefined;
    const elapsed = this.clock.now() - this.installedAt;
    const plan: FaultPlan = { latencyMs: 0, fired: [] };
    for (const state of this.rules) {
      const { rule } = state;
      if (rule.method && rule.method !== method) continue;
      if (state.pathMatcher && !state.pathMatcher.test(path)) continue;
      if (rule.fromMs !== undefined && elapsed < rule.fromMs) continue;
      if (rule.toMs !== undefined && elapsed >= rule.toMs) continue;
      if (rule.times !== undefined && state.fired >= rule.times) continue;
      if (rule.action.type !== "latency" && plan.action) continue;
      state.matches++;
      if (rule.everyNth !== undefined && state.matches % rule.everyNth !== 0) continue;
      if (rule.probability !== undefined && !this.rng.chance(rule.probability)) continue;
      state.fired++;
      plan.fired.push(state.label);
      if (rule.action.type === "latency")
        plan.latencyMs += rule.action.ms * (1 + rule.action.jitter * (2 * this.rng.next() - 1));
      else plan.action = rule.action;
    }
    return plan.fired.length > 0 ? plan : undefined;
  }
}

function pathPattern(path: string): RegExp {
  const escaped = path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]*");
  // Without a wildcard a path is a prefix, as most rules want ("/api/v1/users" covers its subpaths).
  return new RegExp(path.includes("*") ? `^${escaped}$` : `^${escaped}`);
}
