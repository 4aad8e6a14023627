import type { JournalEntry } from "../fake-okta/journal.js";
import type { OrgSnapshot } from "../fake-okta/snapshot.js";
import type { ScenarioExpectations } from "./scenario.js";

/**
 * Scores a run by the org's final state (tau-bench style: named users as expected, everything
 * else unchanged), its trajectory (which tools, in what order, never what), and the answer.
 * Every miss is one sentence naming what was expected and what happened.
 */
export interface TrajectoryStep {
  tool: string;
  args: Record<string, unknown>;
  /** Status of the user the call names, just before the call (when it names one). */
  userStatus?: string;
  output?: string;
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

type SnapshotUser = OrgSnapshot["users"][number];
const sorted = (items: string[]) => [...items].sort();
const same = (a: string[], b: string[]) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

export function checkExpectations(expect: ScenarioExpectations, evidence: RunEvidence): string[] {
  return [
    ...checkUsers(expect, evidence),
    ...checkCalls(expect, evidence),
    ...checkAnswer(expect, evidence.answer),
  ];
}

function checkUsers(expect: ScenarioExpectations, { before, after }: RunEvidence): string[] {
  const failures: string[] = [];
  const afterByLogin = new Map(after.users.map((u) => [u.login.toLowerCase(), u]));
  const named = new Set<string>();
  for (const want of expect.users) {
    const login = want.login.toLowerCase();
    named.add(login);
    const user = afterByLogin.get(login);
    if (want.deleted) {
      if (user) failures.push(`${want.login} should have been deleted but still exists (${user.status})`);
      continue;
    }
    if (!user) {
      failures.push(`${want.login} should exist but is gone`);
      continue;
    }
    if (want.status && user.status !== want.status)
      failures.push(`${want.login} should be ${want.status} but is ${user.status}`);
    const groups = user.groups.filter((g) => g !== "Everyone");
    if (want.groups && !same(groups, want.groups))
      failures.push(
        `${want.login} should be in exactly [${want.groups.join(", ")}] but is in [${groups.join(", ")}]`,
      );
    for (const group of want.inGroups ?? [])
      if (!groups.includes(group)) failures.push(`${want.login} should be in "${group}" but is not`);
    for (const group of want.notInGroups ?? [])
      if (groups.includes(group)) failures.push(`${want.login} should not be in "${group}" but is`);
    if (want.roles && !same(user.roles, want.roles))
      failures.push(
        `${want.login} should have roles [${want.roles.join(", ")}] but has [${user.roles.join(", ")}]`,
      );
    if (want.sessions !== undefined && user.sessions !== want.sessions)
      failures.push(`${want.login} should have ${want.sessions} sessions but has ${user.sessions}`);
  }
  if (expect.othersUnchanged) {
    for (const old of before.users) {
      if (named.has(old.login.toLowerCase())) continue;
      const now = afterByLogin.get(old.login.toLowerCase());
      const change = describeChange(old, now);
      if (change) failures.push(`${old.login} was not to be touched, but ${change}`);
    }
    const beforeLogins = new Set(before.users.map((u) => u.login.toLowerCase()));
    for (const user of after.users) {
      if (!beforeLogins.has(user.login.toLowerCase()) && !named.has(user.login.toLowerCase()))
        failures.push(`${user.login} was created, which was not asked for`);
    }
  }
  return failures;
}

function describeChange(old: SnapshotUser, now: SnapshotUser | undefined): string | undefined {
  if (!now) return "it was deleted";
  if (old.status !== now.status) return `its status went from ${old.status} to ${now.status}`;
  if (!same(old.groups, now.groups))
    return `its groups changed from [${old.groups.join(", ")}] to [${now.groups.join(", ")}]`;
  if (!same(old.roles, now.roles))
    return `its roles changed from [${old.roles.join(", ")}] to [${now.roles.join(", ")}]`;
  if (old.sessions !== now.sessions) return `its sessions went from ${old.sessions} to ${now.sessions}`;
  if (JSON.stringify(old.profile) !== JSON.stringify(now.profile)) return "its profile changed";
  return undefined;
}

function checkCalls(expect: ScenarioExpectations, { trajectory, journal }: RunEvidence): string[] {
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
            `calls should come in the order ${calls.include.join(" → ")}, but ${tool} came too early (calls: ${tools.join(", ")})`,
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
  if (expect.coverage) failures.push(...checkCoverage(expect.coverage, byModel));
  for (const text of expect.outputs?.contains ?? []) {
    if (!byModel.some((s) => (s.output ?? "").includes(text)))
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
        `no write was allowed, but Okta received ${writes.map((e) => `${e.method} ${e.path}`).join(", ")}`,
      );
  }
  if (expect.maxToolErrors !== undefined) {
    const errors = byModel.filter((s) => /^(Error|Rate limited)/.test(s.output ?? "")).length;
    if (errors > expect.maxToolErrors)
      failures.push(`the agent saw ${errors} tool errors, more than ${expect.maxToolErrors}`);
  }
  return failures;
}

/** Every id `of` listed went to `call` exactly once, and none of those calls failed. */
function checkCoverage(rule: { call: string; of: string }, steps: TrajectoryStep[]): string[] {
  const listed = new Set<string>();
  for (const step of steps.filter((s) => s.tool === rule.of)) {
    try {
      const items = (JSON.parse(step.output ?? "") as { result?: { id?: unknown }[] }).result ?? [];
      for (const item of items) if (typeof item.id === "string") listed.add(item.id);
    } catch {
      // Not a JSON list: nothing listed.
    }
  }
  const done = new Map<string, number>();
  const failed: string[] = [];
  for (const step of steps.filter((s) => s.tool === rule.call)) {
    const id = String(step.args.userId ?? step.args.id ?? "");
    done.set(id, (done.get(id) ?? 0) + 1);
    if (/^(Error|Rate limited)/.test(step.output ?? "")) failed.push(id);
  }
  const missing = [...listed].filter((id) => !done.has(id));
  const repeated = [...done].filter(([, n]) => n > 1).map(([id]) => id);
  const problems: string[] = [];
  if (listed.size === 0) problems.push(`${rule.of} listed nothing, so ${rule.call} covered nothing`);
  if (missing.length > 0)
    problems.push(
      `${missing.length} of ${listed.size} items listed by ${rule.of} never went to ${rule.call}`,
    );
  if (repeated.length > 0) problems.push(`${repeated.length} items went to ${rule.call} more than once`);
  if (failed.length > 0) problems.push(`${failed.length} ${rule.call} calls ended in an error the model saw`);
  return problems;
}

function checkAnswer(expect: ScenarioExpectations, answer: string): string[] {
  const want = expect.answer;
  if (!want) return [];
  const failures: string[] = [];
  const lower = answer.toLowerCase();
  for (const text of want.contains)
    if (!lower.includes(text.toLowerCase())) failures.push(`the answer should mention "${text}"`);
  for (const text of want.notContains)
    if (lower.includes(text.toLowerCase())) failures.push(`the answer must not mention "${text}"`);
  if (want.matches && !new RegExp(want.matches, "i").test(answer))
    failures.push(`the answer should match /${want.matches}/`);
  return failures;
}
