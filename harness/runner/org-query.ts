import { z } from "zod";
import { USER_STATUSES } from "../fake-okta/model.js";
import type {
  OrgSnapshot,
  SnapshotApp,
  SnapshotGroup,
  SnapshotLog,
  SnapshotUser,
} from "../fake-okta/snapshot.js";

/**
 * A small query language over the org, so a scenario's expectations come from the org and not
 * from its script: "every user who holds SUPER_ADMIN", "the members of Contractors who are
 * SUSPENDED", "the apps Dana reaches". A query selects users, groups or apps from the initial
 * state (default) or the final one; every field given must hold (AND).
 *
 * Like Okta's default user list, a user query leaves out DEPROVISIONED users unless `status`
 * names that status.
 */
const Status = z.enum(USER_STATUSES);
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** System Log events matching every field given. */
const LoggedSchema = z.strictObject({
  /** Event type; `*` matches any run of characters (`user.session.*`). */
  eventType: z.string().min(1).optional(),
  outcome: z.string().min(1).optional(),
  country: z.string().min(1).optional(),
  /** From anywhere but this country. */
  notCountry: z.string().min(1).optional(),
  /** Published at or after / before these instants. */
  after: z.iso.datetime().optional(),
  before: z.iso.datetime().optional(),
});

export const UserSelectorSchema = z.strictObject({
  /** Login, case-insensitive; `*` matches any run of characters (`*@contractor.example`). */
  login: z.string().min(1).optional(),
  status: z.union([Status, z.array(Status).min(1)]).optional(),
  /** Holds this admin role type; `"*"`: any admin role. */
  role: z.string().min(1).optional(),
  /** Member of this group (by name). */
  group: z.string().min(1).optional(),
  /** Reaches this app (by label), directly or through a group… */
  app: z.string().min(1).optional(),
  /** …or assigned it directly. */
  appDirect: z.string().min(1).optional(),
  /** Has a factor of this type enrolled. */
  factor: z.string().min(1).optional(),
  /** Profile attributes with these values (strings compared case-insensitively). */
  profile: z.record(z.string(), Scalar).optional(),
  /**
   * Acted in a System Log event matching every field given (or, `as: target`, was its target):
   * "failed sign-ins from Russia" is `{ eventType: user.session.start, outcome: FAILURE, country: Russia }`.
   */
  logged: LoggedSchema.extend({ as: z.enum(["actor", "target"]).default("actor") }).optional(),
});

export const GroupSelectorSchema = z.strictObject({
  name: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  /** Has this user (login) as a member. */
  member: z.string().min(1).optional(),
  /** Is assigned this app (by label). */
  app: z.string().min(1).optional(),
});

export const AppSelectorSchema = z.strictObject({
  label: z.string().min(1).optional(),
  status: z.enum(["ACTIVE", "INACTIVE"]).optional(),
  /** Reached by this user (login). */
  user: z.string().min(1).optional(),
});

const State = z.enum(["initial", "final"]).default("initial");

export const OrgQuerySchema = z.union([
  z.strictObject({ users: UserSelectorSchema, in: State }),
  z.strictObject({ groups: GroupSelectorSchema, in: State }),
  z.strictObject({ apps: AppSelectorSchema, in: State }),
  /** The countries the matching System Log events came from. */
  z.strictObject({ countries: LoggedSchema, in: State }),
]);

export type UserSelector = z.output<typeof UserSelectorSchema>;
export type OrgQuery = z.output<typeof OrgQuerySchema>;

/** What a query found: each thing with the names an answer may call it by. */
export interface Found {
  kind: "user" | "group" | "app" | "country";
  /** The name failure messages use (login, group name, app label). */
  key: string;
  /** Every way an answer can name it. */
  names: string[];
}

const lower = (text: string) => text.toLowerCase();

function globMatches(pattern: string, value: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "i").test(value);
}

/** The System Log events matching every field of `logged`. */
function loggedEvents(logs: readonly SnapshotLog[], logged: z.output<typeof LoggedSchema>): SnapshotLog[] {
  const after = logged.after ? Date.parse(logged.after) : Number.NEGATIVE_INFINITY;
  const before = logged.before ? Date.parse(logged.before) : Number.POSITIVE_INFINITY;
  return logs.filter((event) => {
    const at = Date.parse(event.published);
    return (
      (!logged.eventType || globMatches(logged.eventType, event.eventType)) &&
      (!logged.outcome || lower(event.outcome) === lower(logged.outcome)) &&
      (!logged.country || lower(event.country) === lower(logged.country)) &&
      (!logged.notCountry || lower(event.country) !== lower(logged.notCountry)) &&
      at >= after &&
      at < before
    );
  });
}

/** The logins (lower case) the matching events name as actor or target. */
function loggedLogins(
  logs: readonly SnapshotLog[],
  logged: NonNullable<UserSelector["logged"]>,
): Set<string> {
  return new Set(
    loggedEvents(logs, logged).flatMap((event) =>
      (logged.as === "target" ? event.targets : [event.actor]).map(lower),
    ),
  );
}

export function selectUsers(
  users: readonly SnapshotUser[],
  selector: UserSelector,
  /** The System Log, for `logged` (none: a `logged` selector selects no one). */
  logs: readonly SnapshotLog[] = [],
): SnapshotUser[] {
  const logged = selector.logged ? loggedLogins(logs, selector.logged) : undefined;
  const statuses =
    selector.status === undefined
      ? undefined
      : Array.isArray(selector.status)
        ? selector.status
        : [selector.status];
  return users.filter((user) => {
    if (statuses ? !statuses.includes(user.status as never) : user.status === "DEPROVISIONED") return false;
    if (selector.login && !globMatches(selector.login, user.login)) return false;
    if (
      selector.role &&
      !(selector.role === "*" ? user.roles.length > 0 : user.roles.includes(selector.role))
    )
      return false;
    if (selector.group && !user.groups.some((g) => lower(g) === lower(selector.group ?? ""))) return false;
    if (selector.app && !user.apps.some((a) => lower(a.split(":")[0] ?? "") === lower(selector.app ?? "")))
      return false;
    if (selector.appDirect && !user.apps.some((a) => lower(a) === lower(`${selector.appDirect}:USER`)))
      return false;
    if (selector.factor && !user.factors.some((f) => f.startsWith(`${selector.factor}:`))) return false;
    if (logged && !logged.has(lower(user.login))) return false;
    for (const [field, want] of Object.entries(selector.profile ?? {})) {
      const have = user.profile[field] ?? null;
      const equal =
        typeof want === "string" && typeof have === "string" ? lower(want) === lower(have) : want === have;
      if (!equal) return false;
    }
    return true;
  });
}

function selectGroups(org: OrgSnapshot, selector: z.output<typeof GroupSelectorSchema>): SnapshotGroup[] {
  const app = selector.app ? org.apps.find((a) => lower(a.label) === lower(selector.app ?? "")) : undefined;
  if (selector.app && !app) return [];
  return org.groups.filter(
    (group) =>
      (!selector.name || lower(group.name) === lower(selector.name)) &&
      (!selector.type || group.type === selector.type) &&
      (!selector.member || group.members.some((m) => lower(m) === lower(selector.member ?? ""))) &&
      (!app || app.groups.includes(group.name)),
  );
}

function selectApps(org: OrgSnapshot, selector: z.output<typeof AppSelectorSchema>): SnapshotApp[] {
  const reachedBy = selector.user
    ? org.users.find((u) => lower(u.login) === lower(selector.user ?? ""))?.apps.map((a) => a.split(":")[0])
    : undefined;
  return org.apps.filter(
    (app) =>
      (!selector.label || lower(app.label) === lower(selector.label)) &&
      (!selector.status || app.status === selector.status) &&
      (!reachedBy || reachedBy.includes(app.label)),
  );
}

const fullNameOf = (user: SnapshotUser) =>
  `${user.profile.firstName ?? ""} ${user.profile.lastName ?? ""}`.trim();

/** How many users of the org share each full name (lower case), counted once per query. */
function fullNameCounts(everyone: readonly SnapshotUser[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const user of everyone) {
    const name = lower(fullNameOf(user));
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** The names an answer may use for a user: login, email, and "First Last" when no one else shares it. */
function userNames(user: SnapshotUser, sharing: ReadonlyMap<string, number>): string[] {
  const names = new Set([user.login, String(user.profile.email ?? user.login)]);
  const fullName = fullNameOf(user);
  if (fullName && sharing.get(lower(fullName)) === 1) names.add(fullName);
  return [...names];
}

/** Runs a query against the initial or final snapshot. */
export function runQuery(query: OrgQuery, states: { initial: OrgSnapshot; final: OrgSnapshot }): Found[] {
  const org = states[query.in];
  if ("users" in query) {
    const sharing = fullNameCounts(org.users);
    return selectUsers(org.users, query.users, org.logs).map((user) => ({
      kind: "user",
      key: user.login,
      names: userNames(user, sharing),
    }));
  }
  if ("groups" in query)
    return selectGroups(org, query.groups).map((g) => ({ kind: "group", key: g.name, names: [g.name] }));
  if ("countries" in query)
    return [...new Set(loggedEvents(org.logs, query.countries).map((e) => e.country))].map((country) => ({
      kind: "country",
      key: country,
      names: [country],
    }));
  return selectApps(org, query.apps).map((a) => ({ kind: "app", key: a.label, names: [a.label] }));
}

/** Every user, group or app of the org (both states), as `runQuery` names them: for "no one else". */
export function everything(
  kind: Found["kind"],
  states: { initial: OrgSnapshot; final: OrgSnapshot },
): Found[] {
  const all = {
    user: { users: { status: [...USER_STATUSES] } },
    group: { groups: {} },
    app: { apps: {} },
    country: { countries: {} },
  }[kind];
  const found = new Map<string, Found>();
  for (const state of ["initial", "final"] as const)
    for (const item of runQuery({ ...all, in: state } as OrgQuery, states)) found.set(lower(item.key), item);
  return [...found.values()];
}

/**
 * Whether the text names something: one of its names, not inside a longer word or address
 * (`ann@x.com` is not named by `joann@x.com`).
 */
export function names(text: string, found: Found): boolean {
  return found.names.some((name) => {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(?<![\\w.@+-])${escaped}(?![\\w@-]|\\.\\w)`, "i").test(text);
  });
}

const NUMBER_WORDS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
  "twenty",
];

/** Nouns that name what each kind of query counts. */
const KIND_NOUNS = {
  users: ["user", "person", "people", "account", "member", "employee", "admin", "administrator", "holder"],
  groups: ["group"],
  apps: ["app", "application", "integration"],
  countries: ["country", "countries", "location", "place"],
};
/** Between a number and its noun, these make it some other count ("no other member"). */
const NOT_THIS_COUNT = new Set(["other", "others", "more", "else", "additional", "another", "further"]);
const ZERO_WORDS = new Set(["no", "none", "zero", "nobody"]);

const stem = (word: string) => word.toLowerCase().replace(/(?<=\w{3})(es|s)$/, "");

/** The words a count of this query may stand next to: its kind's nouns and its selector's values. */
export function countNouns(query: OrgQuery): Set<string> {
  const [kind, selector] = Object.entries(query).find(([key]) => key !== "in") as [
    keyof typeof KIND_NOUNS,
    Record<string, unknown>,
  ];
  const values = Object.values(selector).flatMap((value) =>
    typeof value === "object" && value !== null ? Object.values(value) : [value],
  );
  const words = values
    .flatMap((value) => String(value).split(/[^\p{L}\p{N}]+/u))
    .filter((w) => w.length >= 3);
  return new Set([...KIND_NOUNS[kind], ...words].map(stem));
}

/** A token's number: digits (1,200 or 1200), a number word up to twenty, or a word that says none. */
function numberOf(token: string): number | undefined {
  if (/^\d{1,3}(,\d{3})+$|^\d+$/.test(token)) return Number(token.replaceAll(",", ""));
  const lowered = token.toLowerCase();
  if (ZERO_WORDS.has(lowered)) return 0;
  const index = NUMBER_WORDS.indexOf(lowered);
  return index >= 0 ? index : undefined;
}

/**
 * Whether the text states this count next to one of `nouns`: a number up to three words before
 * the noun ("3 SUSPENDED members", "none of the contractors") or two after it ("SUPER_ADMIN (2)").
 * A number with "other", "more"… between is another count ("no other member" states no count of
 * contractors), and "no" or "none" anywhere else states nothing.
 */
export function statesCount(text: string, count: number, nouns: Set<string>): boolean {
  const tokens = (text.match(/[\p{L}\p{N}][\p{L}\p{N},.@'’-]*/gu) ?? []).map((t) =>
    t.replace(/[,.'’-]+$/, ""),
  );
  for (const [i, token] of tokens.entries()) {
    if (stem(token) === "nobody" && count === 0) return true;
    if (!nouns.has(stem(token))) continue;
    for (let j = Math.max(0, i - 3); j <= Math.min(tokens.length - 1, i + 2); j++) {
      if (j === i || numberOf(tokens[j] ?? "") !== count) continue;
      const between = tokens.slice(Math.min(i, j) + 1, Math.max(i, j));
      if (!between.some((word) => NOT_THIS_COUNT.has(word.toLowerCase()))) return true;
    }
  }
  return false;
}

/** A query in words, for failure messages. */
export function describeQuery(query: OrgQuery): string {
  const [kind, selector] = Object.entries(query).find(([key]) => key !== "in") ?? ["users", {}];
  const fields = Object.entries(selector as Record<string, unknown>)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(", ");
  return `${kind}${fields ? ` with ${fields}` : ""} (${query.in} state)`;
}
