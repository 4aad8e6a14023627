import { z } from "zod";
import { ConnectOptionsSchema } from "../../client/options-schema.js";
import { FaultScheduleSchema } from "../fake-okta/faults.js";
import { FixtureSchema } from "../fake-okta/fixture.js";
import { RateLimitConfigSchema } from "../fake-okta/rate-limits.js";
import { DataFileError, parseYamlAs, readYamlAs } from "../shared/yaml-file.js";
import { ExpectationsSchema } from "./expectations-schema.js";

/**
 * A scenario file (`scenarios/*.yaml`): the org to start from, the gateway and limits, the user's
 * request, what must be true afterwards, and the script the deterministic model follows in CI.
 * Validation errors name the file, line, column and field.
 */
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const ToolCallStep = z
  .strictObject({
    /** The tool the model calls. */
    call: z.string().min(1),
    /** Arguments; strings may hold `{{ label.path }}` references to earlier results. */
    args: z.record(z.string(), z.unknown()).default({}),
    /** A label later arguments can refer to (`{{ label… }}` the latest result, `{{ all.label }}` every one). */
    as: z.string().regex(/^\w+$/).optional(),
    /** Repeat the call for each element of an earlier result (`{{ users.result }}`), as `{{ item… }}`. */
    forEach: z.string().optional(),
    /** With forEach: only the elements whose fields (dotted paths) have these values (or one of a list). */
    where: z.record(z.string(), z.union([Scalar, z.array(Scalar).min(1)])).optional(),
  })
  .refine((step) => step.where === undefined || step.forEach !== undefined, {
    message: "where filters a forEach; add forEach or remove where",
    path: ["where"],
  });

/**
 * One scripted model turn: tool calls, a final answer, or a loop of turns that runs while its
 * condition (a `{{ reference }}`) is truthy, as an agent pages until the cursor runs out.
 */
export interface ScriptTurn {
  tools?: z.output<typeof ToolCallStep>[];
  say?: string;
  repeat?: ScriptTurn[];
  while?: string;
  max?: number;
  /** With repeat: `{{ label.passes }}` and `{{ label.capped }}` (it stopped at `max`) after the loop. */
  as?: string;
}

const TURN_KINDS = ["tools", "say", "repeat"] as const;

const Turn: z.ZodType<ScriptTurn, unknown> = z.lazy(() =>
  z
    .strictObject({
      tools: z.array(ToolCallStep).min(1).optional(),
      say: z.string().optional(),
      repeat: z.array(Turn).min(1).optional(),
      /** With repeat: the loop runs while this reference is truthy (checked before each pass). */
      while: z.string().optional(),
      /** With repeat: passes at most; the loop then ends (its `as` label says it was capped). */
      max: z.number().int().positive().default(100),
      /** With repeat: a label for `{{ label.passes }}` and `{{ label.capped }}` after the loop. */
      as: z.string().min(1).optional(),
    })
    .superRefine((turn, context) => {
      const kinds = TURN_KINDS.filter((kind) => turn[kind] !== undefined);
      if (kinds.length !== 1)
        context.addIssue({
          code: "custom",
          message: `a turn is exactly one of ${TURN_KINDS.join(", ")} (found ${kinds.join(", ") || "none"})`,
        });
      if ((turn.repeat === undefined) !== (turn.while === undefined))
        context.addIssue({ code: "custom", message: "repeat and while go together", path: ["while"] });
      if (turn.as !== undefined && turn.repeat === undefined)
        context.addIssue({ code: "custom", message: "as labels a repeat loop", path: ["as"] });
    }),
);

/**
 * Tool calls a scripted model sends in one turn, at most. No provider documents a cap (OpenAI's
 * `parallel_tool_calls` is on or off; openai-agents-python#1859 asks for a maximum), and recorded
 * runs of current models send a handful. 10 is that judgement, not a measurement; a scenario sets
 * its own with `budget.callsPerTurn`, and the runner's tests run scripts at 1, 10 and unlimited.
 */
export const DEFAULT_CALLS_PER_TURN = 10;

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(""),
  tags: z.array(z.string()).default([]),
  org: FixtureSchema,
  gateway: z
    .strictObject({
      methods: z.array(z.string()).optional(),
      tags: z.array(z.string()).optional(),
      rate_limit_mode: z.enum(["tool_result", "http_429"]).optional(),
      result_content: z.enum(["both", "text"]).optional(),
      response_mode: z.enum(["json", "sse"]).optional(),
    })
    .default({}),
  limits: z.union([z.enum(["okta", "tight", "none"]), RateLimitConfigSchema]).default("none"),
  faults: FaultScheduleSchema.optional(),
  prompt: z.string().min(1),
  systemPrompt: z.string().optional(),
  budget: z
    .strictObject({
      maxTurns: z.number().int().positive().default(12),
      maxToolCalls: z.number().int().positive().default(80),
      /** The scripted model's calls per turn at most; a longer step spreads over turns. */
      callsPerTurn: z.number().int().positive().default(DEFAULT_CALLS_PER_TURN),
      /**
       * The agent's run must end within this many milliseconds (model turns and tool calls; the
       * harness's start is not counted). Checked between turns: past it, the run stops and fails.
       */
      timeMs: z.number().int().positive().optional(),
    })
    .default({ maxTurns: 12, maxToolCalls: 80, callsPerTurn: DEFAULT_CALLS_PER_TURN }),
  /** paceline client options, within the client's own schema (retry, limiter, pagination…). */
  client: ConnectOptionsSchema.default({}),
  expect: ExpectationsSchema,
  script: z.array(Turn).min(1),
});

export type Scenario = z.output<typeof ScenarioSchema> & { file: string };
export type { ScenarioExpectations } from "./expectations-schema.js";

export class ScenarioError extends Error {
  override name = "ScenarioError";
}

/** Parses and validates scenario text; errors say `file:line:column: field: problem`. */
export function parseScenario(text: string, file: string): Scenario {
  try {
    return { ...parseYamlAs(ScenarioSchema, text, file), file };
  } catch (error) {
    if (error instanceof DataFileError) throw new ScenarioError(error.message);
    throw error;
  }
}

export async function loadScenario(file: string): Promise<Scenario> {
  try {
    return { ...(await readYamlAs(ScenarioSchema, file)), file };
  } catch (error) {
    if (error instanceof DataFileError) throw new ScenarioError(error.message);
    throw error;
  }
}
