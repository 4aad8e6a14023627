import type { ToolErrorKind } from "../../client/openai.js";
import type { JournalEntry } from "../fake-okta/journal.js";
import type { OrgSnapshot, SnapshotUser } from "../fake-okta/snapshot.js";
import type { RequestPatternSpec, ScenarioExpectations } from "./expectations-schema.js";
import {
  countNouns,
  describeQuery,
  everything,
  type Found,
  names,
  runQuery,
  selectUsers,
  statesCount,
} from "./org-query.js";

/**
 * Scores a run by the org's final state (tau-bench style: what was asked happened, everything
 * else unchanged), the requests Okta received, the trajectory (which tools, in what order, never
 * what), and the answer, checked against queries of the org. Every miss is one sentence naming
 * what was expected and what happened.
 */
export interface TrajectoryStep {
  tool: string;
  args: Record<string, unknown>;
  /** Status of the user the call names, just before the call (when it names one). */
  userStatus?: string;
  output?: string;
  /** Set by the tool adapter when the output the model saw is an error. */
  error?: ToolErrorKind;
  /** Made by the client on the agent's behalf (a status look-up, a drained page), not by the model. */
  internal?: boolean;
}

export interface RunEvidence {
  before: OrgSnapshot;
  after: OrgSnapshot;
  trajectory: TrajectoryStep[];
  journal: JournalEntry[];
  answer: string;
}

const lower = (text: string) => text.toLowerCase();
const sorted = (items: readonly string[]) => [...items].sort();
const same = (a: readonly string[], b: readonly string[]) =>
  JSON.stringify(sorted(a.map(lower))) === JSON.stringify(sorted(b.map(lower)));
const list = (items: readonly string[]) => `[${items.join(", ")}]`;

/** The first few items and how many more: failure messages stay readable over 1,200 users. */
function some(items: readonly string[], shown = 5): string {
  const head = items.slice(0, shown).join(", ");
  return items.length > shown ? `${head} and ${items.length - shown} more` : head;
}

type UserExpectation = ScenarioExpectations["users"][number];

export function checkExpectations(expect: ScenarioExpectations, evidence: RunEvidence): string[] {
  // Each user expectation's logins, resolved once: checked below, and left out of othersUnchanged.
  const resolved = expect.users.map((want) => ({ want, logins: loginsOf(want, evidence.before) }));
  const named = new Set(resolved.flatMap(({ logins }) => logins.map(lower)));
  return [
    ...checkUsers(resolved, evidence.after),
    ...checkGroups(expect, evidence),
    ...checkApps(expect, evidence),
    ...(expect.othersUnchanged ? checkOthersUnchanged(expect, evidence, named) : []),
    ...checkCalls(expect, evidence),
    ...checkRequests(expect, evidence),
    ...checkAnswer(expect, evidence),
  ];
}

/** The logins a user expectation names or (`where`) selects in the initial state. */
function loginsOf(want: UserExpectation, before: OrgSnapshot): string[] {
  if (want.login) return [want.login];
  return selectUsers(before.users, want.where ?? {}, before.logs).map((u) => u.login);
}

function checkUsers(resolved: { want: UserExpectation; logins: string[] }[], after: OrgSnapshot): string[] {
  const failures: string[] = [];
  const afterByLogin = new Map(after.users.map((u) => [lower(u.login), u]));
  for (const { want, logins } of resolved) {
    if (want.where && logins.length === 0)
      failures.push(
        `no user matched ${JSON.stringify(want.where)} in the initial state, so nothing was checked`,
      );
    for (const login of logins) failures.push(...checkUser(want, login, afterByLogin.get(lower(login))));
  }
  return failures;
}

function checkUser(want: UserExpectation, login: string, user: SnapshotUser | undefined): string[] {
  if (want.deleted)
    return user ? [`${login} should have been deleted but still exists (${user.status})`] : [];
  if (!user) return [`${login} should exist but is gone`];
  const failures: string[] = [];
  if (want.status && user.status !== want.status)
    failures.push(`${login} should be ${want.status} but is ${user.status}`);
  const groups = user.groups.filter((g) => g !== "Everyone");
  if (want.groups && !same(groups, want.groups))
    failures.push(`${login} should be in exactly ${list(want.groups)} but is in ${list(groups)}`);
  for (const group of want.inGroups ?? [])
    if (!groups.some((g) => lower(g) === lower(group)))
      failures.push(`${login} should be in "${group}" but is not`);
  for (const group of want.notInGroups ?? [])
    if (groups.some((g) => lower(g) === lower(group)))
      failures.push(`${login} should not be in "${group}" but is`);
  if (want.roles && !same(user.roles, want.roles))
    failures.push(`${login} should have roles ${list(want.roles)} but has ${list(user.roles)}`);
  if (want.roleTargets && !same(user.roleTargets, want.roleTargets))
    failures.push(
      `${login} should have the role targets ${list(want.roleTargets)} but has ${list(user.roleTargets)}`,
    );
  const apps = user.apps.map((a) => a.split(":")[0] ?? a);
  if (want.apps && !same(apps, want.apps))
    failures.push(`${login} should reach exactly the apps ${list(want.apps)} but reaches ${list(apps)}`);
  const factors = user.factors.map((f) => f.split(":")[0] ?? f);
  if (want.factors && !same(factors, want.factors))
    failures.push(`${login} should have the factors ${list(want.factors)} but has ${list(factors)}`);
  if (want.sessions !== undefined && user.sessions !== want.sessions)
    failures.push(`${login} should have ${want.sessions} sessions but has ${user.sessions}`);
  return failures;
}

function checkGroups(expect: ScenarioExpectations, { before, after }: RunEvidence): string[] {
  const failures: string[] = [];
  for (const want of expect.groups) {
    // A group that existed is followed by its id (it may have been renamed); a new one by name.
    const was = before.groups.find((g) => lower(g.name) === lower(want.name));
    const existed = was !== undefined;
    const group = was
      ? after.groups.find((g) => g.id === was.id)
      : after.groups.find((g) => lower(g.name) === lower(want.name));
    if (want.deleted) {
      if (group) failures.push(`group "${want.name}" should have been deleted but still exists`);
      continue;
    }
    if (!group) {
      failures.push(`group "${want.name}" should exist but does not`);
      continue;
    }
    if (want.created && existed) failures.push(`group "${want.name}" should be new but existed before`);
    if (want.members && !same(group.members, want.members)) {
      const missing = want.members.filter((m) => !group.members.some((g) => lower(g) === lower(m)));
      const extra = group.members.filter((m) => !want.members?.some((w) => lower(w) === lower(m)));
      failures.push(
        `group "${want.name}" should have exactly the members given:${missing.length ? ` missing ${some(missing)}` : ""}${extra.length ? ` extra ${some(extra)}` : ""}`,
      );
    }
    const profile = { name: want.profile?.name ?? was?.name ?? group.name, description: group.description };
    if (want.profile?.description !== undefined) profile.description = want.profile.description;
    else if (was) profile.description = was.description;
    if (group.name !== profile.name || group.description !== profile.description)
      failures.push(
        `group "${want.name}" should end named "${profile.name}" with description ${JSON.stringify(profile.description)}, but is "${group.name}" with ${JSON.stringify(group.description)}`,
      );
    if (want.count !== undefined && group.members.length !== want.count)
      failures.push(`group "${want.name}" should have ${want.count} members but has ${group.members.length}`);
    if (want.noMembers) {
      const members = after.users.filter((u) => group.members.some((m) => lower(m) === lower(u.login)));
      const matching = selectUsers(members, want.noMembers, after.logs).map((u) => u.login);
      if (matching.length > 0)
        failures.push(
          `group "${want.name}" should have no member matching ${JSON.stringify(want.noMembers)}, but has ${matching.length}: ${some(matching)}`,
        );
    }
  }
  return failures;
}

/** Each named app's final status, groups and users (who reaches it: the users' snapshots). */
function checkApps(expect: ScenarioExpectations, { after }: RunEvidence): string[] {
  const failures: string[] = [];
  for (const want of expect.apps) {
    const app = after.apps.find((a) => lower(a.label) === lower(want.label));
    if (want.deleted) {
      if (app) failures.push(`app "${want.label}" should have been deleted but still exists (${app.status})`);
      continue;
    }
    if (!app) {
      failures.push(`app "${want.label}" should exist but is gone`);
      continue;
    }
    if (want.status && app.status !== want.status)
      failures.push(`app "${want.label}" should be ${want.status} but is ${app.status}`);
    if (want.groups && !same(app.groups, want.groups))
      failures.push(
        `app "${want.label}" should be assigned to exactly the groups ${list(want.groups)} but is assigned to ${list(app.groups)}`,
      );
    const reaching = (scopes: string[]) =>
      after.users
        .filter((u) => scopes.some((scope) => u.apps.includes(`${app.label}:${scope}`)))
        .map((u) => u.login);
    for (const [field, scopes, words] of [
      ["users", ["USER", "GROUP"], "reached by exactly"],
      ["directUsers", ["USER"], "assigned directly to exactly"],
    ] as const) {
      const wanted = want[field];
      const actual = reaching([...scopes]);
      if (wanted && !same(actual.map(lower), wanted.map(lower)))
        failures.push(`app "${want.label}" should be ${words} ${list(wanted)} but is for ${list(actual)}`);
    }
  }
  return failures;
}

/** Users, groups and apps nobody asked to change are as they were. */
function checkOthersUnchanged(
  expect: ScenarioExpectations,
  { before, after }: RunEvidence,
  named: Set<string>,
) {
  const failures: string[] = [];
  // Compared by ids (a renamed group is the same group for its members), reported by names.
  const beforeIds = groupIdsByName(before);
  const afterIds = groupIdsByName(after);
  const afterUsers = new Map(after.users.map((u) => [lower(u.login), u]));
  const changedUsers: string[] = [];
  // A named app's users are judged by its expectation, not here.
  const namedApps = new Set(expect.apps.map((a) => lower(a.label)));
  const withoutNamedApps = <U extends SnapshotUser | undefined>(user: U): U =>
    user && { ...user, apps: user.apps.filter((a) => !namedApps.has(lower(a.slice(0, a.lastIndexOf(":"))))) };
  for (const old of before.users) {
    if (named.has(lower(old.login))) continue;
    const now = afterUsers.get(lower(old.login));
    const change = describeChange(withoutNamedApps(old), withoutNamedApps(now), (was, is, targets) =>
      same(ids(was, beforeIds, targets), ids(is, afterIds, targets)),
    );
    if (change) changedUsers.push(`${old.login} (${change})`);
  }
  if (changedUsers.length > 0)
    failures.push(`${changedUsers.length} user(s) not to be touched were changed: ${some(changedUsers, 3)}`);
  const beforeLogins = new Set(before.users.map((u) => lower(u.login)));
  const created = after.users.filter((u) => !beforeLogins.has(lower(u.login)) && !named.has(lower(u.login)));
  if (created.length > 0)
    failures.push(`user(s) created, which was not asked for: ${some(created.map((u) => u.login))}`);

  const namedGroups = new Set(expect.groups.map((g) => lower(g.name)));
  const afterGroups = new Map(after.groups.map((g) => [g.id, g]));
  const unnamedMembers = (members: string[]) => members.filter((m) => !named.has(lower(m)));
  for (const old of before.groups) {
    const now = afterGroups.get(old.id);
    const isNamed = namedGroups.has(lower(old.name));
    if (!now) {
      if (!isNamed) failures.push(`group "${old.name}" was not to be touched, but it was deleted`);
      continue;
    }
    // A named group's profile is checked against its expectation (checkGroups).
    if (!isNamed && (old.name !== now.name || old.description !== now.description))
      failures.push(
        `group "${old.name}" was not to be touched, but its profile changed${old.name !== now.name ? ` (renamed "${now.name}")` : ""}`,
      );
    const was = unnamedMembers(old.members);
    const is = unnamedMembers(now.members);
    if (!same(was, is)) {
      const added = is.filter((m) => !was.includes(m));
      const removed = was.filter((m) => !is.includes(m));
      failures.push(
        `group "${old.name}" changed for users not to be touched:${added.length ? ` added ${some(added)}` : ""}${removed.length ? ` removed ${some(removed)}` : ""}`,
      );
    }
  }
  const beforeGroupIds = new Set(before.groups.map((g) => g.id));
  for (const group of after.groups)
    if (!beforeGroupIds.has(group.id) && !namedGroups.has(lower(group.name)))
      failures.push(`group "${group.name}" was created, which was not asked for`);
  const sameGroups = (was: string[], is: string[]) => same(ids(was, beforeIds), ids(is, afterIds));

  const afterApps = new Map(after.apps.map((a) => [a.id, a]));
  for (const old of before.apps) {
    if (namedApps.has(lower(old.label))) continue;
    const now = afterApps.get(old.id);
    if (!now) failures.push(`app "${old.label}" was not to be touched, but it was deleted`);
    else if (old.status !== now.status)
      failures.push(`app "${old.label}" was not to be touched, but went from ${old.status} to ${now.status}`);
    else if (!sameGroups(old.groups, now.groups))
      failures.push(
        `app "${old.label}" was not to be touched, but its groups went from ${list(old.groups)} to ${list(now.groups)}`,
      );
  }
  return failures;
}

/** Group names to ids, in one snapshot. */
function groupIdsByName(snapshot: OrgSnapshot): Map<string, string> {
  return new Map(snapshot.groups.map((g) => [g.name, g.id]));
}

/** Group names (or `ROLE_TYPE:group name` role targets) as ids: what a rename leaves the same. */
function ids(names: string[], byName: Map<string, string>, targets = false): string[] {
  return names.map((name) => {
    if (!targets) return byName.get(name) ?? name;
    const colon = name.indexOf(":");
    return `${name.slice(0, colon)}:${byName.get(name.slice(colon + 1)) ?? name}`;
  });
}

function describeChange(
  old: SnapshotUser,
  now: SnapshotUser | undefined,
  sameGroups: (was: string[], is: string[], targets: boolean) => boolean,
): string | undefined {
  if (!now) return "deleted";
  if (old.status !== now.status) return `status ${old.status} → ${now.status}`;
  for (const field of ["groups", "roleTargets"] as const)
    if (!sameGroups(old[field], now[field], field === "roleTargets"))
      return `${field} ${list(old[field])} → ${list(now[field])}`;
  for (const field of ["roles", "factors", "apps"] as const)
    if (!same(old[field], now[field])) return `${field} ${list(old[field])} → ${list(now[field])}`;
  if (old.sessions !== now.sessions) return `sessions ${old.sessions} → ${now.sessions}`;
  if (JSON.stringify(old.profile) !== JSON.stringify(now.profile)) return "profile changed";
  return undefined;
}

function checkCalls(expect: ScenarioExpectations, { trajectory, journal, before }: RunEvidence): string[] {
  const failures: string[] = [];
  const byModel = trajectory.filter((s) => !s.internal);
  const tools = byModel.map((s) => s.tool);
  const calls = expect.calls;
  if (calls) {
    for (const tool of calls.include)
      if (!tools.includes(tool)) failures.push(`${tool} should have been called but was not`);
    if (calls.inOrder && calls.include.every((t) => tools.includes(t))) {
      let from = 0;
      for (const tool of calls.include) {
        const at = tools.indexOf(tool, from);
        if (at < 0) {
          failures.push(
            `calls should come in the order ${calls.include.join(" → ")}, but ${tool} came too early (calls: ${some(tools, 12)})`,
          );
          break;
        }
        from = at + 1;
      }
    }
    for (const tool of calls.exclude)
      if (tools.includes(tool)) failures.push(`${tool} must never be called, but was`);
    if (calls.max !== undefined && tools.length > calls.max)
      failures.push(`at most ${calls.max} tool calls were allowed, ${tools.length} were made`);
    for (const [tool, max] of Object.entries(calls.maxPerTool)) {
      const count = tools.filter((t) => t === tool).length;
      if (count > max)
        failures.push(`${tool} may be called at most ${max} time(s), but was called ${count} times`);
    }
  }
  if (expect.coverage) failures.push(...checkCoverage(expect.coverage, byModel, before));
  for (const text of expect.outputs?.contains ?? []) {
    if (!byModel.some((s) => lower(s.output ?? "").includes(lower(text))))
      failures.push(`some tool output should contain "${text}", none did`);
  }
  for (const rule of expect.never) {
    const hit = trajectory.find((s) => s.tool === rule.call && s.userStatus === rule.userStatus);
    if (hit)
      failures.push(
        `${rule.call} must never run on a ${rule.userStatus} user, but ran with ${JSON.stringify(hit.args)}`,
      );
  }
  if (expect.noWrites) {
    const writes = journal.filter((e) => e.method !== "GET");
    if (writes.length > 0)
      failures.push(
        `no write was allowed, but Okta received ${some(writes.map((e) => `${e.method} ${e.path}`))}`,
      );
  }
  if (expect.maxToolErrors !== undefined) {
    const errors = byModel.filter((s) => s.error !== undefined);
    if (errors.length > expect.maxToolErrors)
      failures.push(
        `the agent saw ${errors.length} tool errors, more than ${expect.maxToolErrors} (${some(
          errors.map((e) => `${e.tool}: ${e.error}`),
          3,
        )})`,
      );
  }
  return failures;
}

/** Every selected user of the org went to `call` exactly once, and none of those calls failed. */
function checkCoverage(
  rule: NonNullable<ScenarioExpectations["coverage"]>,
  steps: TrajectoryStep[],
  before: OrgSnapshot,
): string[] {
  const selected = selectUsers(before.users, rule.users, before.logs);
  const idOf = new Map<string, string>();
  for (const user of before.users) {
    idOf.set(lower(user.id), user.id);
    idOf.set(lower(user.login), user.id);
  }
  const done = new Map<string, number>();
  const failed = new Set<string>();
  for (const step of steps.filter((s) => s.tool === rule.call)) {
    const ref = String(step.args[rule.arg] ?? "");
    const id = idOf.get(lower(ref)) ?? ref;
    done.set(id, (done.get(id) ?? 0) + 1);
    if (step.error) failed.add(id);
  }
  const who = `users${Object.keys(rule.users).length ? ` matching ${JSON.stringify(rule.users)}` : ""}`;
  if (selected.length === 0) return [`no ${who} in the org, so coverage of ${rule.call} proves nothing`];
  const missing = selected.filter((u) => !done.has(u.id)).map((u) => u.login);
  const repeated = selected.filter((u) => (done.get(u.id) ?? 0) > 1).map((u) => u.login);
  const errors = selected.filter((u) => failed.has(u.id)).map((u) => u.login);
  const problems: string[] = [];
  if (missing.length > 0)
    problems.push(
      `${missing.length} of ${selected.length} ${who} never went to ${rule.call}: ${some(missing)}`,
    );
  if (repeated.length > 0)
    problems.push(`${repeated.length} users went to ${rule.call} more than once: ${some(repeated)}`);
  if (errors.length > 0)
    problems.push(`${errors.length} ${rule.call} calls ended in an error the model saw: ${some(errors)}`);
  return problems;
}

/** Does a journal path match a pattern: `{login}` is that user's id or login, `*` one segment. */
function pathMatches(pattern: string, path: string, before: OrgSnapshot): boolean {
  const want = pattern.split("/");
  const have = path.split("/");
  if (want.length !== have.length) return false;
  return want.every((segment, i) => {
    const actual = decodeURIComponent(have[i] ?? "");
    if (segment === "*") return true;
    const user = /^\{(.+)\}$/.exec(segment)?.[1];
    if (user) {
      const record = before.users.find((u) => lower(u.login) === lower(user));
      return lower(actual) === lower(user) || actual === record?.id;
    }
    return segment === actual;
  });
}

function checkRequests(expect: ScenarioExpectations, { journal, before, after }: RunEvidence): string[] {
  const failures: string[] = [];
  const count = (pattern: RequestPatternSpec, entries: JournalEntry[]) =>
    entries.filter((e) => e.method === pattern.method && pathMatches(pattern.path, e.path, before)).length;
  // Processed: everything but a 429 or a 5xx (refused before it ran, so a retry of those is no repeat).
  const processed = journal.filter((e) => e.status !== 429 && e.status < 500);
  const carriedOut = journal.filter((e) => e.status < 400);
  for (const pattern of expect.requests?.made ?? []) {
    const what = `${pattern.method} ${pattern.path}`;
    const done = count(pattern, carriedOut);
    if (done === 0 && pattern.atLeast !== 0 && pattern.atMost === undefined)
      failures.push(`Okta should have carried out ${what}, but never did`);
    const processedTimes = count(pattern, processed);
    if (pattern.atLeast !== undefined && processedTimes < pattern.atLeast)
      failures.push(
        `Okta should have processed ${what} at least ${pattern.atLeast} time(s), but did ${processedTimes}`,
      );
    if (pattern.atMost !== undefined && processedTimes > pattern.atMost)
      failures.push(
        `Okta should have processed ${what} at most ${pattern.atMost} time(s), but did ${processedTimes}`,
      );
    if (pattern.times === undefined) continue;
    const wanted =
      typeof pattern.times === "number"
        ? pattern.times
        : runQuery(pattern.times, { initial: before, final: after }).length;
    const times = count(pattern, processed);
    if (times !== wanted) {
      const why = typeof pattern.times === "number" ? "" : ` (one per ${describeQuery(pattern.times)})`;
      failures.push(`Okta should have processed ${what} ${wanted} time(s)${why}, but did ${times}`);
    }
  }
  for (const pattern of expect.requests?.notMade ?? []) {
    const n = count(pattern, journal);
    if (n > 0) failures.push(`${pattern.method} ${pattern.path} must never reach Okta, but did ${n} time(s)`);
  }
  return failures;
}

function checkAnswer(expect: ScenarioExpectations, { answer, before, after }: RunEvidence): string[] {
  const want = expect.answer;
  if (!want) return [];
  const states = { initial: before, final: after };
  const failures: string[] = [];
  const mentioned: Found[] = [];
  for (const query of want.mentions) {
    const found = runQuery(query, states);
    mentioned.push(...found);
    const missing = found.filter((item) => !names(answer, item)).map((item) => item.key);
    if (found.length === 0)
      failures.push(`nothing matches ${describeQuery(query)}, so the answer cannot name it`);
    else if (missing.length > 0)
      failures.push(
        `the answer should name every one of the ${describeQuery(query)}; it leaves out ${some(missing)}`,
      );
  }
  if (want.mentionsNoOthers) {
    const expected = new Set(mentioned.map((m) => `${m.kind}:${lower(m.key)}`));
    for (const kind of new Set(mentioned.map((m) => m.kind))) {
      const others = everything(kind, states)
        .filter((item) => !expected.has(`${kind}:${lower(item.key)}`) && names(answer, item))
        .map((item) => item.key);
      if (others.length > 0)
        failures.push(`the answer names ${others.length} ${kind}(s) it should not: ${some(others)}`);
    }
  }
  for (const query of want.mentionsNone) {
    const named = runQuery(query, states).filter((item) => names(answer, item));
    if (named.length > 0)
      failures.push(
        `the answer must name none of the ${describeQuery(query)}, but names ${some(named.map((item) => item.key))}`,
      );
  }
  for (const query of want.counts) {
    const n = runQuery(query, states).length;
    if (!statesCount(answer, n, countNouns(query)))
      failures.push(
        `the answer should state the count of ${describeQuery(query)}: ${n}, next to a word for them (e.g. "${n} ${Object.keys(query).find((k) => k !== "in")}")`,
      );
  }
  const text = lower(answer);
  for (const phrase of want.contains)
    if (!text.includes(lower(phrase))) failures.push(`the answer should mention "${phrase}"`);
  for (const phrase of want.notContains)
    if (text.includes(lower(phrase))) failures.push(`the answer must not mention "${phrase}"`);
  if (want.matches && !new RegExp(want.matches, "i").test(answer))
    failures.push(`the answer should match /${want.matches}/`);
  return failures;
}
