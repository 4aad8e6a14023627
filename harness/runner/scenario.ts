import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { FaultScheduleSchema } from "../fake-okta/faults.js";
import { FixtureSchema } from "../fake-okta/fixture.js";
import { USER_STATUSES } from "../fake-okta/model.js";
import { RateLimitConfigSchema } from "../fake-okta/rate-limits.js";

/**
 * A scenario file (`scenarios/*.yaml`): the org to start from, the gateway and limits, the user's
 * request, what must be true afterwards, and the script the deterministic model follows in CI.
 * Validation errors name the file, line, column and field.
 */
const ToolCallStep = z.strictObject({
  /** The tool the model calls. */
  call: z.string().min(1),
  /** Arguments; strings may hold `{{ label.path }}` references to earlier results. */
  args: z.record(z.string(), z.unknown()).default({}),
  /** A label later arguments can refer to. */
  as: z.string().regex(/^\w+$/).optional(),
  /** Repeat the call for each element of an earlier result (`{{ users.result }}`), as `{{ item… }}`. */
  forEach: z.string().optional(),
});

const Turn = z.union([
  z.strictObject({ tools: z.array(ToolCallStep).min(1) }),
  z.strictObject({ say: z.string() }),
]);

const UserExpectation = z.strictObject({
  login: z.string().min(1),
  status: z.enum(USER_STATUSES).optional(),
  /** Exactly these groups (Everyone included implicitly)… */
  groups: z.array(z.string()).optional(),
  /** …or at least / none of these. */
  inGroups: z.array(z.string()).optional(),
  notInGroups: z.array(z.string()).optional(),
  roles: z.array(z.string()).optional(),
  sessions: z.number().int().nonnegative().optional(),
  /** The user no longer exists. */
  deleted: z.boolean().optional(),
});

const Expectations = z.strictObject({
  /** Final state of named users. */
  users: z.array(UserExpectation).default([]),
  /** Everything not named above must be as it was (tau-bench scoring). Default true. */
  othersUnchanged: z.boolean().default(true),
  calls: z
    .strictObject({
      /** Tools that must be called… */
      include: z.array(z.string()).default([]),
      /** …in this order (other calls may come between). */
      inOrder: z.boolean().default(false),
      /** Tools that must never be called. */
      exclude: z.array(z.string()).default([]),
      max: z.number().int().positive().optional(),
      /** Calls of one tool at most, e.g. `{ okta_users_suspend: 1 }`: no looping on a refusal. */
      maxPerTool: z.record(z.string(), z.number().int().nonnegative()).default({}),
    })
    .optional(),
  /** Every item one tool listed was passed (as `userId`) to another tool, exactly once, successfully. */
  coverage: z.strictObject({ call: z.string(), of: z.string() }).optional(),
  /** Text that some tool output the model saw must contain (e.g. a stop reason). */
  outputs: z.strictObject({ contains: z.array(z.string()).default([]) }).optional(),
  /** Calls that must never happen on a user in the given status (e.g. delete while ACTIVE). */
  never: z.array(z.strictObject({ call: z.string(), userStatus: z.enum(USER_STATUSES) })).default([]),
  /** No request other than a read may reach Okta. */
  noWrites: z.boolean().default(false),
  /** At most this many tool outputs the model saw may be errors (rate limits included). */
  maxToolErrors: z.number().int().nonnegative().optional(),
  answer: z
    .strictObject({
      contains: z.array(z.string()).default([]),
      notContains: z.array(z.string()).default([]),
      matches: z.string().optional(),
    })
    .optional(),
});

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
    })
    .default({ maxTurns: 12, maxToolCalls: 80 }),
  client: z
    .strictObject({ autoDrain: z.boolean().default(false), maxItems: z.number().int().positive().optional() })
    .default({ autoDrain: false }),
  expect: Expectations,
  script: z.array(Turn).min(1),
});

export type Scenario = z.output<typeof ScenarioSchema> & { file: string };
export type ScriptTurn = z.output<typeof Turn>;
export type ScenarioExpectations = z.output<typeof Expectations>;

export class ScenarioError extends Error {
  override name = "ScenarioError";
}

/** Parses and validates scenario text; errors say `file:line:column: field: problem`. */
export function parseScenario(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (offset: number | undefined) => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new ScenarioError(`${where(first?.pos[0])}: not valid YAML: ${first?.message.split("\n")[0]}`);
  }
  const result = ScenarioSchema.safeParse(doc.toJS());
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      // The deepest node of the path that exists in the file: the field itself, or its parent.
      let offset: number | undefined;
      for (let depth = issue.path.length; depth >= 0 && offset === undefined; depth--) {
        const node = doc.getIn(issue.path.slice(0, depth) as (string | number)[], true) as
          | { range?: number[] }
          | undefined;
        offset = node?.range?.[0];
      }
      return `${where(offset)}: ${issue.path.join(".") || "(root)"}: ${issue.message}`;
    });
    throw new ScenarioError(problems.join("\n"));
  }
  return { ...result.data, file };
}

export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ScenarioError(
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return parseScenario(text, file);
}
