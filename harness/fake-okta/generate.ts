import type { GroupRecord, RoleType, UserRecord, UserStatus } from "./model.js";
import { COUNTRY_CODES, DEPARTMENTS, FIRST_NAMES, LAST_NAMES, LOCATIONS, NAMED_GROUPS } from "./names.js";
import type { NewLogEvent, OktaOrg } from "./org.js";
import type { Rng } from "./rng.js";

/**
 * The deterministic directory generator: a realistic status mix, departments that map to the
 * named groups, a few SUPER_ADMIN/ORG_ADMIN holders, and a week of System Log events including
 * failed sign-ins from several countries. Same seed and `now`, same org.
 */
const DAY = 86_400_000;

const STATUS_MIX: readonly (readonly [UserStatus, number])[] = [
  ["ACTIVE", 80],
  ["STAGED", 3],
  ["PROVISIONED", 4],
  ["SUSPENDED", 4],
  ["DEPROVISIONED", 3],
  ["LOCKED_OUT", 2],
  ["PASSWORD_EXPIRED", 2],
  ["RECOVERY", 2],
];

const OTHER_ROLES: readonly RoleType[] = [
  "HELP_DESK_ADMIN",
  "APP_ADMIN",
  "READ_ONLY_ADMIN",
  "USER_ADMIN",
  "REPORT_ADMIN",
];

export interface GeneratedCounts {
  users: number;
  groups: number;
  logs: number;
}

/**
 * Generates the directory into `org`, pausing (a `yield`) after each user and every thousand log
 * events, so a caller can build a large org without holding the event loop (see `seed.ts`).
 */
export function* generateDirectory(
  org: OktaOrg,
  rng: Rng,
  now: number,
  counts: GeneratedCounts,
): Generator<void, NewLogEvent[]> {
  const groups = generateGroups(org, rng, now, counts.groups);
  const users = yield* generateUsers(org, rng, now, counts.users, groups);
  assignAdmins(org, rng, now, users);
  return yield* generateLogs(rng, now, counts.logs, users);
}

function generateGroups(org: OktaOrg, rng: Rng, now: number, count: number): GroupRecord[] {
  const groups: GroupRecord[] = [];
  for (let i = 0; i < count; i++) {
    const named = NAMED_GROUPS[i];
    const created = now - (400 + rng.int(600)) * DAY;
    groups.push(
      named
        ? org.addGroup({ name: named.name, description: named.description, type: named.type, created })
        : org.addGroup({
            name: `Project Team ${i - NAMED_GROUPS.length + 1}`,
            description: "Project workspace",
            created,
          }),
    );
  }
  return groups;
}

function* generateUsers(
  org: OktaOrg,
  rng: Rng,
  now: number,
  count: number,
  groups: GroupRecord[],
): Generator<void, UserRecord[]> {
  const users: UserRecord[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < count; i++) {
    const firstName = rng.pick(FIRST_NAMES);
    const lastName = rng.pick(LAST_NAMES);
    const base = `${firstName}.${lastName}`.toLowerCase();
    let login = `${base}@company.com`;
    for (let n = 2; taken.has(login); n++) login = `${base}${n}@company.com`;
    taken.add(login);
    const department = rng.pick(DEPARTMENTS);
    const location = rng.weighted(LOCATIONS.slice(0, 5).map((l, index) => [l, index < 3 ? 30 : 5] as const));
    const status = rng.weighted(STATUS_MIX);
    const created = now - (2 + rng.int(900)) * DAY - rng.int(DAY);
    const hasLoggedIn = status !== "STAGED" && status !== "PROVISIONED";
    const user = org.addUser({
      status,
      hasPassword: status !== "PROVISIONED" && status !== "STAGED",
      created,
      lastLogin: hasLoggedIn ? now - rng.int(Math.max(1, Math.min(now - created, 30 * DAY))) : null,
      profile: {
        login,
        email: login,
        firstName,
        lastName,
        displayName: `${firstName} ${lastName}`,
        department: department.name,
        title: rng.pick(department.titles),
        employeeNumber: String(10_000 + i),
        countryCode: COUNTRY_CODES[location.country] ?? "US",
        city: location.city,
        mobilePhone: `+1-555-${String(1000 + rng.int(9000))}`,
      },
    });
    for (const group of groups) {
      const named = NAMED_GROUPS.find((g) => g.name === group.profile.name);
      const joins = named
        ? named.departments.includes(department.name) && rng.chance(0.85)
        : rng.chance(0.05);
      if (joins || (named?.name === "Contractors" && rng.chance(0.04)))
        org.addMember(group.id, user.id, { silent: true });
    }
    if (status === "ACTIVE" && user.lastLogin !== null && now - user.lastLogin < DAY) {
      for (let s = 1 + rng.int(2); s > 0; s--)
        org.addSession(user, `${location.ipPrefix}.${1 + rng.int(250)}`, user.lastLogin);
    }
    users.push(user);
    yield;
  }
  return users;
}

/** Two SUPER_ADMINs, three ORG_ADMINs, and a sprinkling of narrower admin roles. */
function assignAdmins(org: OktaOrg, rng: Rng, now: number, users: UserRecord[]): void {
  const active = users.filter((u) => u.status === "ACTIVE");
  const created = now - 200 * DAY;
  for (const u of active.slice(0, 2)) org.assignRole(u, "SUPER_ADMIN", { silent: true, created });
  for (const u of active.slice(2, 5)) org.assignRole(u, "ORG_ADMIN", { silent: true, created });
  for (const user of active.slice(5)) {
    if (rng.chance(0.03)) org.assignRole(user, rng.pick(OTHER_ROLES), { silent: true, created });
  }
}

/** A week of sign-in traffic: mostly US successes; failures, many from abroad, some today. */
function* generateLogs(
  rng: Rng,
  now: number,
  count: number,
  users: UserRecord[],
): Generator<void, NewLogEvent[]> {
  const actors = users.filter((u) => u.status !== "STAGED" && u.status !== "PROVISIONED");
  if (actors.length === 0) return [];
  const events: NewLogEvent[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 1000 === 999) yield;
    const user = rng.pick(actors);
    const failed = rng.chance(0.15);
    // Failures come from abroad more often than successes do.
    const location =
      failed && rng.chance(0.6) ? rng.pick(LOCATIONS.slice(3)) : rng.pick(LOCATIONS.slice(0, 3));
    // Every tenth event falls within the last day, so "today" always has traffic.
    const age = i % 10 === 0 ? rng.int(DAY / 2) : rng.int(7 * DAY);
    const kind = failed
      ? "failure"
      : rng.weighted([
          ["start", 70],
          ["mfa", 20],
          ["end", 10],
        ] as const);
    const target = {
      id: user.id,
      type: "User",
      alternateId: user.profile.login,
      displayName: `${user.profile.firstName} ${user.profile.lastName}`,
    };
    events.push({
      published: now - age,
      eventType:
        kind === "mfa"
          ? "user.authentication.auth_via_mfa"
          : kind === "end"
            ? "user.session.end"
            : "user.session.start",
      legacyEventType:
        kind === "mfa"
          ? "core.user.factor.attempt_success"
          : failed
            ? "core.user_auth.login_failed"
            : "core.user_auth.login_success",
      displayMessage:
        kind === "mfa"
          ? "Authentication of user via MFA"
          : kind === "end"
            ? "User logout from Okta"
            : "User login to Okta",
      severity: failed ? "WARN" : "INFO",
      actor: { id: user.id, type: "User", alternateId: user.profile.login, displayName: target.displayName },
      client: {
        ipAddress: `${location.ipPrefix}.${1 + rng.int(250)}`,
        userAgent: rng.pick([
          "Mozilla/5.0 (Macintosh)",
          "Mozilla/5.0 (Windows NT 10.0)",
          "okta-verify/9.0",
          "python-requests/2.31",
        ]),
        country: location.country,
        state: location.state,
        city: location.city,
      },
      outcome: failed
        ? { result: "FAILURE", reason: rng.pick(["INVALID_CREDENTIALS", "VERIFICATION_ERROR", "LOCKED_OUT"]) }
        : { result: "SUCCESS", reason: null },
      target: [target],
    });
  }
  return events;
}
