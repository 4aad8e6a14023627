import { z } from "zod";
import { USER_STATUSES } from "../fake-okta/model.js";
import { OrgQuerySchema, UserSelectorSchema } from "./org-query.js";

/**
 * What a scenario expects. Outcomes are judged on the org (final state, the request journal) and
 * answers against queries of the org, so the same expectation judges a scripted run and a live
 * model's. Literal text checks remain for what has no org source (a stop reason, a word).
 */
const UserExpectation = z
  .strictObject({
    /** One user… */
    login: z.string().min(1).optional(),
    /** …or every user a query selects in the initial state ("the SUSPENDED members of Contractors"). */
    where: UserSelectorSchema.optional(),
    status: z.enum(USER_STATUSES).optional(),
    /** Exactly these groups (Everyone implicit)… */
    groups: z.array(z.string()).optional(),
    /** …or at least / none of these. */
    inGroups: z.array(z.string()).optional(),
    notInGroups: z.array(z.string()).optional(),
    /** Exactly these admin role types. */
    roles: z.array(z.string()).optional(),
    /** Exactly these role targets, each `ROLE_TYPE:group name` (`USER_ADMIN:Interns`). */
    roleTargets: z.array(z.string().regex(/^[A-Z_]+:.+$/, "ROLE_TYPE:group name")).optional(),
    /** Exactly these apps (labels) reached, directly or through a group. */
    apps: z.array(z.string()).optional(),
    /** Exactly these factor types enrolled. */
    factors: z.array(z.string()).optional(),
    sessions: z.number().int().nonnegative().optional(),
    /** The user no longer exists. */
    deleted: z.boolean().optional(),
  })
  .refine((u) => (u.login === undefined) !== (u.where === undefined), {
    message: "give either login or where, not both or neither",
  });

const GroupExpectation = z.strictObject({
  name: z.string().min(1),
  /** Exactly these members (logins)… */
  members: z.array(z.string()).optional(),
  /** …or this many. */
  count: z.number().int().nonnegative().optional(),
  /** No member (final state) matches this query. */
  noMembers: UserSelectorSchema.optional(),
  /** The group must be gone. */
  deleted: z.boolean().optional(),
  /** The group is new (created by the agent). */
  created: z.boolean().optional(),
  /**
   * The group (named above as it was) ends with this profile: a rename or a new description.
   * Without it, a named group's profile must not change either.
   */
  profile: z
    .strictObject({ name: z.string().min(1).optional(), description: z.string().nullable().optional() })
    .optional(),
});

/**
 * An app's final state, by label: its status, the groups it is assigned to, and who reaches it.
 * A named app is left out of "everything else unchanged" (as are its users' app lists for it).
 */
const AppExpectation = z.strictObject({
  label: z.string().min(1),
  status: z.enum(["ACTIVE", "INACTIVE"]).optional(),
  /** Exactly these groups (names) are assigned to it. */
  groups: z.array(z.string()).optional(),
  /** Exactly these users (logins) reach it, directly or through a group… */
  users: z.array(z.string()).optional(),
  /** …and exactly these have it assigned directly. */
  directUsers: z.array(z.string()).optional(),
  /** The app must be gone. */
  deleted: z.boolean().optional(),
});

const HTTP_METHOD = z.enum(["GET", "POST", "PUT", "DELETE", "PATCH"]);

/**
 * A request to Okta: `{login}` in the path stands for that user's id (or login), `*` for any one
 * segment. `made`: Okta carried it out (status below 400) at least once, and with `times`, processed
 * it exactly that often (any answer but a 429 or 5xx, which refuse before running: a repeated
 * write counts, a retried 429 does not). `notMade`: no request at all, refused or not.
 */
const RequestPattern = z.strictObject({
  method: HTTP_METHOD,
  path: z.string().startsWith("/api/v1/"),
  /** Processed exactly this many times, or as many times as a query finds things (one call per user). */
  times: z.union([z.number().int().nonnegative(), OrgQuerySchema]).optional(),
  /** Processed at least / at most this many times (e.g. "read the users at most 3 times"). */
  atLeast: z.number().int().nonnegative().optional(),
  atMost: z.number().int().nonnegative().optional(),
});

export const ExpectationsSchema = z.strictObject({
  /** Final state of named (or selected) users. */
  users: z.array(UserExpectation).default([]),
  /** Groups' final members, or that a group was deleted or created. */
  groups: z.array(GroupExpectation).default([]),
  /** Apps' final status, groups and users. */
  apps: z.array(AppExpectation).default([]),
  /**
   * Everything not named above must be as it was (tau-bench scoring): users (status, profile,
   * groups, roles, role targets, factors, sessions, apps), groups (existence, profile, and the
   * membership of every user not named), apps (status, assigned groups). Default true.
   */
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
  /**
   * Every user the query selects (initial state; DEPROVISIONED left out unless named, as Okta's
   * default list does) went to `call` exactly once, as `arg` (id or login), and the call succeeded.
   */
  coverage: z
    .strictObject({
      call: z.string().min(1),
      users: UserSelectorSchema.default({}),
      arg: z.string().min(1).default("userId"),
    })
    .optional(),
  /** Text that some tool output the model saw must contain (case-insensitive; e.g. a stop reason). */
  outputs: z.strictObject({ contains: z.array(z.string()).default([]) }).optional(),
  /** Calls that must never happen on a user in the given status (e.g. delete while ACTIVE). */
  never: z.array(z.strictObject({ call: z.string(), userStatus: z.enum(USER_STATUSES) })).default([]),
  /** No request other than a read may reach Okta. */
  noWrites: z.boolean().default(false),
  /** Requests that must, or must not, have reached Okta (from its journal). */
  requests: z
    .strictObject({
      made: z.array(RequestPattern).default([]),
      notMade: z.array(RequestPattern).default([]),
    })
    .optional(),
  /** At most this many tool outputs the model saw may be errors (rate limits included). */
  maxToolErrors: z.number().int().nonnegative().optional(),
  answer: z
    .strictObject({
      /** Everything these queries find is named in the answer (users by login, email or unique full name). */
      mentions: z.array(OrgQuerySchema).default([]),
      /** Nothing else of the kinds `mentions` asks about is named. */
      mentionsNoOthers: z.boolean().default(false),
      /** The answer names nothing these queries find (`{ users: {} }`: no user at all). */
      mentionsNone: z.array(OrgQuerySchema).default([]),
      /**
       * The answer states how many things each query finds, as digits or a number word next to a
       * word for them: the kind's nouns (users, members, people…; groups; apps) or a word of the
       * query's values ("3 SUSPENDED members", "SUPER_ADMIN (2)", "no contractors"). "No" or
       * "none" elsewhere, or "no other member", states no count.
       */
      counts: z.array(OrgQuerySchema).default([]),
      contains: z.array(z.string()).default([]),
      notContains: z.array(z.string()).default([]),
      matches: z.string().optional(),
    })
    .optional(),
});

export type ScenarioExpectations = z.output<typeof ExpectationsSchema>;
export type RequestPatternSpec = z.output<typeof RequestPattern>;
