import { type Clock, systemClock } from "../shared/clock.js";
import { type Fixture, FixtureError, type ParsedFixture, parseFixture, resolveTime } from "./fixture.js";
import { generateDirectory } from "./generate.js";
import { IdSource } from "./ids.js";
import { FACTORS, type FactorType, GROUP_TARGETED_ROLES } from "./model.js";
import { LOCATIONS } from "./names.js";
import { type NewLogEvent, OktaOrg } from "./org.js";
import { Rng } from "./rng.js";

/**
 * Builds an org from a fixture: the generator first (if asked), then the explicit groups, users and
 * log events. Everything is validated before anything is built, so a bad fixture changes nothing.
 */
export function buildOrg(input: Fixture, clock: Clock = systemClock, source = "fixture"): OktaOrg {
  const steps = orgSteps(parseFixture(input, source), clock, source);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/**
 * The same build, handing the event loop back every `sliceMs`: a large org (100,000 users) is
 * built while the server goes on answering from the org it has. The fixture is checked first.
 */
export async function buildOrgCooperatively(
  input: Fixture,
  clock: Clock = systemClock,
  source = "fixture",
  sliceMs = 10,
): Promise<OktaOrg> {
  const steps = orgSteps(parseFixture(input, source), clock, source);
  for (let sliceStart = performance.now(); ; ) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

/** The build, pausing (a `yield`) after each generated or fixture user and every 1,000 log events. */
function* orgSteps(fixture: ParsedFixture, clock: Clock, source: string): Generator<void, OktaOrg> {
  const now = fixture.now ? Date.parse(fixture.now) : clock.now();
  const org = new OktaOrg(fixture.seed, clock);
  const rng = new Rng(fixture.seed);
  org.addGroup({
    name: "Everyone",
    description: "All users in your organization",
    type: "BUILT_IN",
    created: now - 1000 * 86_400_000,
  });
  const logs: NewLogEvent[] = fixture.generate
    ? yield* generateDirectory(org, rng, now, fixture.generate)
    : [];
  // Factors draw from their own streams, so adding them left every other seeded value as it was.
  yield* seedFactors(org, new Rng(fixture.seed ^ 0x5eed), new IdSource(fixture.seed + 9), now);
  addFixtureGroups(org, fixture, now);
  yield* addFixtureUsers(org, fixture, now, source);
  // Apps too draw from their own stream: a catalogue, each given to a group and to a few users;
  // with an `apps` section, given to exactly whom it says and to no one at random.
  yield* org.apps.seed(
    new Rng(fixture.seed ^ 0xa995),
    now,
    fixture.apps ? [] : org.users,
    fixture.apps
      ? []
      : org.groups.filter((g) => g.type === "OKTA_GROUP").map((g) => ({ id: g.id, name: g.profile.name })),
  );
  assignFixtureApps(org, fixture, now, source);
  stateFixtureApps(org, fixture, now, source);
  logs.push(...fixtureLogs(org, fixture, now, source));
  // The System Log is in persistence order; seeded events were persisted as they happened.
  logs.sort((a, b) => (a.published ?? 0) - (b.published ?? 0));
  for (const [index, event] of logs.entries()) {
    if (index % 1000 === 999) yield;
    org.log(event);
  }
  return org;
}

/**
 * A realistic mix for generated users who can sign in: most have Okta Verify push and its
 * one-time code, some SMS or email, a few a security key or a security question; some none.
 */
const FACTOR_MIX: [FactorType, number][] = [
  ["push", 0.7],
  ["token:software:totp", 0.55],
  ["sms", 0.25],
  ["email", 0.4],
  ["webauthn", 0.1],
  ["question", 0.15],
];
const ENROLLED = new Set(["ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "RECOVERY"]);

function* seedFactors(org: OktaOrg, rng: Rng, ids: IdSource, now: number): Generator<void, void> {
  for (const [index, user] of org.users.entries()) {
    if (index % 1000 === 999) yield;
    if (!ENROLLED.has(user.status)) continue;
    for (const [factor, share] of FACTOR_MIX)
      if (rng.chance(share))
        org.enrollFactor(user, factor, ids.okta(FACTORS[factor].prefix), now - 30 * 86_400_000);
  }
}

function addFixtureGroups(org: OktaOrg, fixture: ParsedFixture, now: number): void {
  const named = new Set<string>();
  fixture.groups.forEach((group, index) => {
    // Two groups of one name would be merged unseen. The reference shows Okta's "already exists"
    // refusal for a login (okta-api.md); for group names it is silent: refusing is the harness's choice.
    const key = group.name.toLowerCase();
    if (key === "everyone" || named.has(key))
      throw new FixtureError(
        `groups[${index}]: name: a group named '${group.name}' already exists (${key === "everyone" ? "the built-in Everyone group" : "earlier in this fixture"})`,
      );
    named.add(key);
  });
  for (const group of fixture.groups) {
    // A generated group of the same name stands for it (the generator's named groups come first).
    if (org.groupByName(group.name)) continue;
    org.addGroup({ ...group, created: now - 365 * 86_400_000 });
  }
}

function* addFixtureUsers(
  org: OktaOrg,
  fixture: ParsedFixture,
  now: number,
  source: string,
): Generator<void, void> {
  for (const [index, spec] of fixture.users.entries()) {
    yield;
    const where = `${source}: users[${index}] (${spec.login})`;
    if (org.findUser(spec.login)) throw new FixtureError(`${where}: login is already taken`);
    const groups = spec.groups.map((ref) => fixtureGroup(org, ref, `${where}: groups`));
    for (const attribute of Object.keys(spec.profile ?? {})) org.profileAttributes.add(attribute);
    const created = spec.created ? resolveTime(spec.created, now) : now - 180 * 86_400_000;
    const user = org.addUser({
      id: spec.id,
      status: spec.status,
      hasPassword: spec.password,
      created,
      lastLogin: spec.lastLogin ? resolveTime(spec.lastLogin, now) : null,
      profile: {
        login: spec.login,
        email: spec.email ?? spec.login,
        firstName: spec.firstName,
        lastName: spec.lastName,
        displayName: `${spec.firstName} ${spec.lastName}`,
        ...(spec.department ? { department: spec.department } : {}),
        ...(spec.title ? { title: spec.title } : {}),
        ...(spec.countryCode ? { countryCode: spec.countryCode } : {}),
        ...spec.profile,
      },
    });
    for (const group of groups) org.addMember(group.id, user.id, { silent: true });
    for (const [r, role] of spec.roles.entries()) {
      const type = typeof role === "string" ? role : role.type;
      const assigned = org.assignRole(user, type, { silent: true, created });
      if (typeof role === "string") continue;
      if (!GROUP_TARGETED_ROLES.includes(type))
        throw new FixtureError(`${where}: roles[${r}]: ${type} takes no group targets`);
      for (const ref of role.groups) {
        const group = fixtureGroup(org, ref, `${where}: roles[${r}]: groups`);
        if (!assigned.groupTargets.includes(group.id)) assigned.groupTargets.push(group.id);
      }
    }
    const factorIds = new IdSource(fixture.seed + 10 + index);
    for (const factor of spec.factors)
      org.enrollFactor(user, factor, factorIds.okta(FACTORS[factor].prefix), created);
    for (let s = 0; s < spec.sessions; s++)
      org.addSession(user, `198.51.100.${10 + s}`, user.lastLogin ?? now - 3_600_000);
  }
}

/**
 * The `apps` section, after users' own `apps`: each app's groups and direct users as stated, then
 * its status (Okta assigns only to active apps; assignments made before stay).
 */
function stateFixtureApps(org: OktaOrg, fixture: ParsedFixture, now: number, source: string): void {
  for (const [index, spec] of (fixture.apps ?? []).entries()) {
    const where = `${source}: apps[${index}] (${spec.label})`;
    const app = org.apps.byLabel(spec.label);
    if (!app) throw new FixtureError(`${where}: no such app in the catalogue`);
    for (const ref of spec.groups)
      org.apps.assignGroup(app, fixtureGroup(org, ref, `${where}: groups`).id, now - 300 * 86_400_000);
    for (const login of spec.users) {
      const user = org.findUser(login);
      if (!user) throw new FixtureError(`${where}: users: no user with login '${login}'`);
      org.apps.assignUser(app, user, now - 90 * 86_400_000);
    }
    if (spec.status === "INACTIVE") org.apps.setStatus(app, "INACTIVE");
  }
}

/** A group a fixture names, by id or name; `where` says which field named it. */
function fixtureGroup(org: OktaOrg, ref: string, where: string) {
  const group = org.findGroup(ref) ?? org.groupByName(ref);
  if (!group) throw new FixtureError(`${where}: no group named or with id '${ref}'`);
  return group;
}

function assignFixtureApps(org: OktaOrg, fixture: ParsedFixture, now: number, source: string): void {
  fixture.users.forEach((spec, index) => {
    for (const label of spec.apps) {
      const app = org.apps.byLabel(label);
      if (!app)
        throw new FixtureError(
          `${source}: users[${index}] (${spec.login}): apps: no app labelled '${label}' (known: ${org.apps.apps.map((a) => a.label).join(", ")})`,
        );
      org.apps.assignUser(app, org.getUser(spec.login), now - 90 * 86_400_000);
    }
  });
}

function fixtureLogs(org: OktaOrg, fixture: ParsedFixture, now: number, source: string): NewLogEvent[] {
  return fixture.logs.map((spec, index) => {
    const where = `${source}: logs[${index}]`;
    const actor = org.findUser(spec.actor);
    if (!actor) throw new FixtureError(`${where}: actor: no user '${spec.actor}'`);
    const targets = (spec.targets ?? [spec.actor]).map((login) => {
      const user = org.findUser(login);
      if (!user) throw new FixtureError(`${where}: targets: no user '${login}'`);
      return user;
    });
    const location = LOCATIONS.find((l) => l.country === spec.country);
    const displayName = (u: typeof actor) => `${u.profile.firstName} ${u.profile.lastName}`;
    return {
      published: resolveTime(spec.published, now),
      eventType: spec.eventType,
      legacyEventType: null,
      displayMessage: spec.displayMessage ?? spec.eventType,
      severity: spec.severity,
      actor: {
        id: actor.id,
        type: "User",
        alternateId: actor.profile.login,
        displayName: displayName(actor),
      },
      client: {
        ipAddress: spec.ipAddress ?? `${location?.ipPrefix ?? "192.0.2"}.${20 + index}`,
        userAgent: "Mozilla/5.0",
        country: spec.country,
        state: spec.state ?? location?.state ?? null,
        city: spec.city,
      },
      outcome: { result: spec.outcome, reason: spec.reason ?? null },
      target: targets.map((u) => ({
        id: u.id,
        type: "User",
        alternateId: u.profile.login,
        displayName: displayName(u),
      })),
    };
  });
}
