import { z } from "zod";
import { USER_STATUSES } from "../fake-okta/model.js";
import type { OrgSnapshot, SnapshotApp, SnapshotGroup, SnapshotUser } from "../fake-okta/snapshot.js";

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
]);

export type UserSelector = z.output<typeof UserSelectorSchema>;
export type OrgQuery = z.output<typeof OrgQuerySchema>;

/** What a query found: each thing with the names an answer may call it by. */
export interface Found {
  kind: "user" | "group" | "app";
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

export function selectUsers(users: readonly SnapshotUser[], selector: UserSelector): SnapshotUser[] {
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
    return selectUsers(org.users, query.users).map((user) => ({
      kind: "user",
      key: user.login,
      names: userNames(user, sharing),
    }));
  }
  if ("groups" in query)
    return selectGroups(org, query.groups).map((g) => ({ kind: "group", key: g.name, names: [g.name] }));
  return selectApps(org, query.apps).map((a) => ({ kind: "app", key: a.label, names: [a.label] }));
}

/** Every user, group or app of the org (both states), as `runQuery` names them: for "no one else". */
export function everything(
  kind: Found["kind"],
  states: { initial: OrgSnapshot; final: OrgSnapshot },
): Found[] {
  const all =
    kind === "user"
      ? { users: { status: [...USER_STATUSES] } }
      : kind === "group"
        ? { groups: {} }
        : { apps: {} };
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

/** Whether the text states this count: as digits (1,200 or 1200) or, up to twenty, as a word. */
export function statesCount(text: string, count: number): boolean {
  const digits = [String(count), count.toLocaleString("en-US")];
  const words = count <= 20 ? [NUMBER_WORDS[count] ?? ""] : [];
  if (count === 0) words.push("no", "none");
  return [...new Set([...digits, ...words])].some((form) =>
    new RegExp(`(?<![\\w.,])${form.replace(/[.,]/g, "\\$&")}(?![\\w]|[.,]\\d)`, "i").test(text),
  );
}

/** A query in words, for failure messages. */
export function describeQuery(query: OrgQuery): string {
  const [kind, selector] = Object.entries(query).find(([key]) => key !== "in") ?? ["users", {}];
  const fields = Object.entries(selector as Record<string, unknown>)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(", ");
  return `${kind}${fields ? ` with ${fields}` : ""} (${query.in} state)`;
}
