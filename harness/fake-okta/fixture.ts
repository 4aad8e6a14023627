import { z } from "zod";
import { APP_CATALOGUE } from "./apps.js";
import { FACTOR_TYPES, GROUP_TYPES, ROLE_TYPES, type RoleType, USER_STATUSES } from "./model.js";

/** A fixture's roles are standard ones: a CUSTOM role needs a custom role and resource set (the IAM API). */
const StandardRoleSchema = z.enum(
  ROLE_TYPES.filter((type) => type !== "CUSTOM") as [RoleType, ...RoleType[]],
);

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * The org a scenario or test starts from: a seeded generator and/or users, groups, roles, sessions
 * and log events given by value. Times are ISO instants or offsets from `now` such as "-2h", "-3d".
 */
/** Offsets as far as a century either way: anything beyond is a typo, and would overflow a Date. */
const MAX_OFFSET_MS = 100 * 365 * 86_400_000;

export const TimeSchema = z
  .string()
  .regex(
    /^(-?\d+(ms|s|m|h|d)|\d{4}-\d{2}-\d{2}T[\d:.]+Z)$/,
    'expected an ISO instant ("2026-11-28T09:00:00Z") or an offset ("-2h", "-3d")',
  )
  .refine((value) => {
    const offset = /^(-?\d+)(ms|s|m|h|d)$/.exec(value);
    if (offset)
      return Math.abs(Number(offset[1]) * UNIT_MS[offset[2] as keyof typeof UNIT_MS]) <= MAX_OFFSET_MS;
    // A real instant: it parses, and prints back as itself (no month 13, no hour 99).
    const ms = Date.parse(value);
    return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === value.slice(0, 19);
  }, "not a real instant, or an offset beyond a century");

const FixtureGroupSchema = z.strictObject({
  id: z
    .string()
    .regex(/^00g\w{17}$/)
    .optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  type: z.enum(GROUP_TYPES).exclude(["BUILT_IN"]).default("OKTA_GROUP"),
});

const FixtureUserSchema = z.strictObject({
  id: z
    .string()
    .regex(/^00u\w{17}$/)
    .optional(),
  login: z.email(),
  email: z.email().optional(),
  firstName: z.string().min(1),
  lastName: z.string().min(1),
  status: z.enum(USER_STATUSES).default("ACTIVE"),
  department: z.string().optional(),
  title: z.string().optional(),
  countryCode: z.string().length(2).optional(),
  /** Further profile attributes, custom ones included. */
  profile: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  password: z.boolean().default(true),
  created: TimeSchema.optional(),
  lastLogin: TimeSchema.optional(),
  /** Group names (or ids) the user belongs to. */
  groups: z.array(z.string()).default([]),
  /** Admin roles: a type, or a type narrowed to groups (its group targets, by name or id). */
  roles: z
    .array(
      z.union([
        StandardRoleSchema,
        z.strictObject({ type: StandardRoleSchema, groups: z.array(z.string().min(1)).min(1).max(100) }),
      ]),
    )
    .default([]),
  /** Apps assigned to the user directly, by label (AWS, Salesforce, GitHub Enterprise, Slack, …). */
  apps: z.array(z.string().min(1)).max(50).default([]),
  /** Enrolled MFA factors, e.g. [push, sms]. */
  factors: z.array(z.enum(FACTOR_TYPES)).max(20).default([]),
  /** How many active sessions the user has (a person has a handful; 1,000 is already absurd). */
  sessions: z.number().int().nonnegative().max(1_000).default(0),
});

const FixtureLogSchema = z.strictObject({
  eventType: z.string().min(1),
  /** Login of the acting user. */
  actor: z.string(),
  outcome: z
    .enum(["SUCCESS", "FAILURE", "SKIPPED", "ALLOW", "DENY", "CHALLENGE", "UNKNOWN"])
    .default("SUCCESS"),
  reason: z.string().optional(),
  published: TimeSchema,
  country: z.string().default("United States"),
  state: z.string().optional(),
  city: z.string().default("San Francisco"),
  ipAddress: z.ipv4().optional(),
  severity: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).default("INFO"),
  displayMessage: z.string().optional(),
  /** Logins of target users; defaults to the actor. */
  targets: z.array(z.string()).optional(),
});

/**
 * What one build may cost, so that no fixture can exhaust the process: each generated user is
 * weighed against every group (100,000 users × 10,000 groups would be 10⁹ draws and ~50 million
 * memberships), a System Log event holds ~1.3 KB, a session ~0.3 KB.
 */
export const BUILD_CAPS = {
  users: 100_000,
  groups: 10_000,
  userGroupPairs: 20_000_000,
  logs: 200_000,
  sessions: 100_000,
} as const;

/**
 * An app of the catalogue as the scenario needs it: its status and exactly who it is assigned to.
 * With an `apps` section the org's app assignments are only these (and users' own `apps`): none
 * drawn at random, so they stay the same whatever the seed or the number of users.
 */
const FixtureAppSchema = z.strictObject({
  label: z.enum(APP_CATALOGUE.map((app) => app.label) as [string, ...string[]]),
  status: z.enum(["ACTIVE", "INACTIVE"]).default("ACTIVE"),
  /** Groups the app is assigned to, by name or id. */
  groups: z.array(z.string().min(1)).max(1_000).default([]),
  /** Users it is assigned to directly, by login. */
  users: z.array(z.string().min(1)).max(BUILD_CAPS.users).default([]),
});

export const GeneratorSchema = z
  .strictObject({
    users: z.number().int().nonnegative().max(BUILD_CAPS.users).default(0),
    groups: z.number().int().nonnegative().max(BUILD_CAPS.groups).default(12),
    logs: z.number().int().nonnegative().max(BUILD_CAPS.logs).default(0),
  })
  .refine((g) => g.users * g.groups <= BUILD_CAPS.userGroupPairs, {
    error: (issue) => {
      const g = issue.input as { users: number; groups: number };
      return `users × groups is ${(g.users * g.groups).toLocaleString("en-US")}, above the ${BUILD_CAPS.userGroupPairs.toLocaleString("en-US")} a build may weigh (each generated user is weighed against every group): ask for fewer users or groups`;
    },
  });

export const FixtureSchema = z.strictObject({
  seed: z.number().int().default(42),
  /** The instant relative times are measured from; default: the server clock at seeding. */
  now: z.iso.datetime().optional(),
  generate: GeneratorSchema.optional(),
  groups: z.array(FixtureGroupSchema).max(BUILD_CAPS.groups).default([]),
  users: z
    .array(FixtureUserSchema)
    .max(BUILD_CAPS.users)
    .default([])
    .refine((users) => users.reduce((n, u) => n + (u.sessions ?? 0), 0) <= BUILD_CAPS.sessions, {
      error: `the users' sessions add up to more than the ${BUILD_CAPS.sessions.toLocaleString("en-US")} a build may hold`,
    }),
  logs: z.array(FixtureLogSchema).max(BUILD_CAPS.logs).default([]),
  apps: z
    .array(FixtureAppSchema)
    .max(APP_CATALOGUE.length)
    .refine((apps) => new Set(apps.map((a) => a.label)).size === apps.length, "each app may be listed once")
    .optional(),
});

export type Fixture = z.input<typeof FixtureSchema>;
export type ParsedFixture = z.output<typeof FixtureSchema>;

/** Resolves a fixture time against `now`. */
export function resolveTime(value: string, now: number): number {
  const offset = /^(-?\d+)(ms|s|m|h|d)$/.exec(value);
  if (offset) return now + Number(offset[1]) * UNIT_MS[offset[2] as keyof typeof UNIT_MS];
  return Date.parse(value);
}

/** Validates a fixture; the error names each bad field by its path. */
export function parseFixture(input: unknown, source = "fixture"): ParsedFixture {
  const result = FixtureSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `  ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new FixtureError(`${source} is not a valid org fixture:\n${problems.join("\n")}`);
  }
  return result.data;
}

export class FixtureError extends Error {
  override name = "FixtureError";
}
