import { type Clock, systemClock } from "../shared/clock.js";
import { AppDirectory, type AppRecord } from "./apps.js";
import { AuthenticatorDirectory, type AuthenticatorKey } from "./authenticators.js";
import type { Enrollment } from "./enrollment.js";
import { notFound, OktaError, validationFailed } from "./errors.js";
import { IamDirectory } from "./iam.js";
import { IdSource } from "./ids.js";
import { LIFECYCLE, type LifecycleOperation, nextStatus } from "./lifecycle.js";
import {
  type CustomAssignment,
  FACTORS,
  type FactorRecord,
  type FactorType,
  GROUP_TARGETED_ROLES,
  type GroupRecord,
  type GroupType,
  type LogActor,
  type LogEventRecord,
  type LogTarget,
  ROLE_LABELS,
  type RoleAssignment,
  type RoleType,
  roleLabel,
  type SessionRecord,
  type UserProfile,
  type UserRecord,
  type UserStatus,
} from "./model.js";
import { PolicyDirectory } from "./policies.js";
import { BASE_PROFILE_ATTRIBUTES } from "./profile.js";

export interface NewUser {
  id?: string;
  profile: UserProfile;
  status: UserStatus;
  hasPassword?: boolean;
  created?: number;
  activated?: number | null;
  lastLogin?: number | null;
  passwordChanged?: number | null;
}

export type NewLogEvent = Omit<LogEventRecord, "seq" | "uuid" | "published"> & { published?: number };

/** Where admin-API changes are attributed in the System Log: the owner of the API token. */
const API_ACTOR: LogActor = {
  id: "00uapitokenowner0001",
  type: "User",
  alternateId: "api.admin@paceline.test",
  displayName: "Paceline API Admin",
};

/**
 * The in-memory org: users, groups, memberships, role assignments, sessions and the System Log,
 * with the operations the routes need. Every change bumps the right timestamps and writes a log event.
 */
export class OktaOrg {
  readonly users: UserRecord[] = [];
  readonly groups: GroupRecord[] = [];
  readonly logs: LogEventRecord[] = [];
  private readonly usersById = new Map<string, UserRecord>();
  private readonly usersByLogin = new Map<string, UserRecord>();
  private readonly groupsById = new Map<string, GroupRecord>();
  private readonly membersByGroup = new Map<string, Set<string>>();
  private readonly groupsByUser = new Map<string, Set<string>>();
  private readonly rolesByUser = new Map<string, RoleAssignment[]>();
  private readonly rolesByGroup = new Map<string, RoleAssignment[]>();
  private readonly rolesByClient = new Map<string, RoleAssignment[]>();
  /** The org's own id (Okta's OrgSetting `id`, `00o…`), in the ORNs of role targets. */
  readonly orgId: string;
  private readonly sessionsByUser = new Map<string, SessionRecord[]>();
  private readonly factorsByUser = new Map<string, FactorRecord[]>();
  private seq = 0;
  readonly ids: IdSource;
  /** Attributes a profile may carry: Okta's base schema plus custom ones a fixture declares. */
  readonly profileAttributes = new Set<string>(BASE_PROFILE_ATTRIBUTES);

  /** Applications and their assignments; their ids come from a stream of their own. */
  readonly apps: AppDirectory;
  readonly policies: PolicyDirectory;
  readonly authenticators: AuthenticatorDirectory;
  readonly iam: IamDirectory;

  constructor(
    readonly seed: number,
    readonly clock: Clock = systemClock,
  ) {
    this.ids = new IdSource(seed);
    this.apps = new AppDirectory(new IdSource(seed + 11), clock);
    this.policies = new PolicyDirectory(new IdSource(seed + 13), clock);
    this.authenticators = new AuthenticatorDirectory(new IdSource(seed + 17), clock);
    this.orgId = new IdSource(seed + 19).okta("00o");
    this.iam = new IamDirectory(new IdSource(seed + 23), clock, (id) => this.customInUse(id));
  }

  // ---- users ----------------------------------------------------------------------------

  addUser(input: NewUser): UserRecord {
    const login = input.profile.login;
    if (this.usersByLogin.has(login.toLowerCase())) {
      throw validationFailed("login", [
        "login: An object with this field already exists in the current organization",
      ]);
    }
    const now = this.clock.now();
    const id = input.id ?? this.ids.okta("00u");
    if (input.id) this.ids.reserve(input.id);
    const created = input.created ?? now;
    const active = input.status !== "STAGED";
    const user: UserRecord = {
      seq: ++this.seq,
      rev: 0,
      id,
      status: input.status,
      created,
      activated: input.activated !== undefined ? input.activated : active ? created : null,
      statusChanged: input.status === "STAGED" ? null : created,
      lastLogin: input.lastLogin ?? null,
      lastUpdated: created,
      passwordChanged:
        input.passwordChanged !== undefined ? input.passwordChanged : input.hasPassword ? created : null,
      hasPassword: input.hasPassword ?? true,
      profile: input.profile,
    };
    this.users.push(user);
    this.usersById.set(id, user);
    this.usersByLogin.set(login.toLowerCase(), user);
    const everyone = this.groups.find((g) => g.type === "BUILT_IN");
    if (everyone) this.addMember(everyone.id, id, { silent: true });
    return user;
  }

  /** Looks a user up by id, login, or the login's unambiguous short name (the part before `@`). */
  findUser(idOrLogin: string): UserRecord | undefined {
    const byId = this.usersById.get(idOrLogin);
    if (byId) return byId;
    const key = idOrLogin.toLowerCase();
    const byLogin = this.usersByLogin.get(key);
    if (byLogin) return byLogin;
    if (key.includes("@")) return undefined;
    const matches = this.users.filter((u) => u.profile.login.toLowerCase().split("@")[0] === key);
    return matches.length === 1 ? matches[0] : undefined;
  }

  getUser(idOrLogin: string): UserRecord {
    const user = this.findUser(idOrLogin);
    if (!user) throw notFound(idOrLogin, "User");
    return user;
  }

  updateProfile(user: UserRecord, profile: UserProfile): void {
    const oldLogin = user.profile.login.toLowerCase();
    const newLogin = profile.login.toLowerCase();
    if (newLogin !== oldLogin) {
      if (this.usersByLogin.has(newLogin)) {
        throw validationFailed("login", [
          "login: An object with this field already exists in the current organization",
        ]);
      }
      this.usersByLogin.delete(oldLogin);
      this.usersByLogin.set(newLogin, user);
    }
    user.profile = profile;
    user.lastUpdated = this.clock.now();
    user.rev++;
    this.log(userEvent("user.account.update_profile", "Update user profile for Okta", user));
  }

  /** Runs a lifecycle operation through the transition table; a refused one throws Okta's error. */
  transition(user: UserRecord, operation: LifecycleOperation): void {
    const to = nextStatus(user, operation);
    const now = this.clock.now();
    if (operation === "activate") user.activated = now;
    if (to !== user.status) {
      user.status = to;
      user.statusChanged = now;
    }
    user.lastUpdated = now;
    user.rev++;
    // A deprovisioned user can hold no session.
    if (to === "DEPROVISIONED") this.sessionsByUser.delete(user.id);
    const { eventType, displayMessage } = LIFECYCLE[operation];
    this.log(userEvent(eventType, displayMessage, user));
  }

  /** Okta's two-phase DELETE: deactivates first; a deprovisioned user is deleted for good. */
  deleteUser(user: UserRecord): "deactivated" | "deleted" {
    if (user.status !== "DEPROVISIONED") {
      this.transition(user, "deactivate");
      return "deactivated";
    }
    this.users.splice(this.users.indexOf(user), 1);
    this.usersById.delete(user.id);
    this.usersByLogin.delete(user.profile.login.toLowerCase());
    for (const groupId of this.groupsByUser.get(user.id) ?? [])
      this.membersByGroup.get(groupId)?.delete(user.id);
    this.groupsByUser.delete(user.id);
    this.rolesByUser.delete(user.id);
    this.sessionsByUser.delete(user.id);
    this.factorsByUser.delete(user.id);
    this.apps.forgetUser(user.id);
    this.log(userEvent("user.lifecycle.delete.completed", "Delete Okta user", user));
    return "deleted";
  }

  // ---- groups and memberships ------------------------------------------------------------

  addGroup(input: {
    id?: string;
    name: string;
    description?: string | null;
    type?: GroupType;
    created?: number;
  }) {
    if (
      input.type !== "APP_GROUP" &&
      this.groups.some((g) => g.profile.name === input.name && g.type !== "APP_GROUP")
    ) {
      throw validationFailed("name", [
        "name: An object with this field already exists in the current organization",
      ]);
    }
    const created = input.created ?? this.clock.now();
    const id = input.id ?? this.ids.okta("00g");
    if (input.id) this.ids.reserve(input.id);
    const group: GroupRecord = {
      seq: ++this.seq,
      id,
      type: input.type ?? "OKTA_GROUP",
      created,
      lastUpdated: created,
      lastMembershipUpdated: created,
      profile: { name: input.name, description: input.description ?? null },
    };
    this.groups.push(group);
    this.groupsById.set(id, group);
    this.membersByGroup.set(id, new Set());
    return group;
  }

  /** Replaces a group's profile (`PUT /groups/{id}`): the name stays unique among non-app groups. */
  replaceGroupProfile(group: GroupRecord, profile: { name: string; description: string | null }): void {
    if (this.groups.some((g) => g !== group && g.profile.name === profile.name && g.type !== "APP_GROUP"))
      throw validationFailed("name", [
        "name: An object with this field already exists in the current organization",
      ]);
    group.profile = { name: profile.name, description: profile.description };
    group.lastUpdated = this.clock.now();
    this.log(groupEvent("group.profile.update", "Update group profile", group));
  }

  /** Deletes an `OKTA_GROUP` and its memberships (`DELETE /groups/{id}`). */
  deleteGroup(group: GroupRecord): void {
    for (const userId of this.membersByGroup.get(group.id) ?? [])
      this.groupsByUser.get(userId)?.delete(group.id);
    this.membersByGroup.delete(group.id);
    this.rolesByGroup.delete(group.id);
    for (const roles of [
      ...this.rolesByUser.values(),
      ...this.rolesByGroup.values(),
      ...this.rolesByClient.values(),
    ])
      for (const role of roles) role.groupTargets = role.groupTargets.filter((id) => id !== group.id);
    this.apps.forgetGroup(group.id);
    this.groupsById.delete(group.id);
    this.groups.splice(this.groups.indexOf(group), 1);
    this.log(groupEvent("group.lifecycle.delete", "Delete Okta group", group));
  }

  findGroup(id: string): GroupRecord | undefined {
    return this.groupsById.get(id);
  }

  getGroup(id: string): GroupRecord {
    const group = this.groupsById.get(id);
    if (!group) throw notFound(id, "UserGroup");
    return group;
  }

  groupByName(name: string): GroupRecord | undefined {
    return this.groups.find((g) => g.profile.name === name);
  }

  members(groupId: string): UserRecord[] {
    const ids = this.membersByGroup.get(groupId) ?? new Set();
    return this.users.filter((u) => ids.has(u.id));
  }

  groupsOf(userId: string): GroupRecord[] {
    const ids = this.groupsByUser.get(userId) ?? new Set();
    return this.groups.filter((g) => ids.has(g.id));
  }

  addMember(groupId: string, userId: string, options: { silent?: boolean } = {}): void {
    const members = this.membersByGroup.get(groupId);
    if (!members || members.has(userId)) return;
    members.add(userId);
    const groups = this.groupsByUser.get(userId) ?? new Set<string>();
    this.groupsByUser.set(userId, groups);
    groups.add(groupId);
    this.touchMembership(
      groupId,
      userId,
      "group.user_membership.add",
      "Add user to group membership",
      options,
    );
  }

  removeMember(groupId: string, userId: string): void {
    const members = this.membersByGroup.get(groupId);
    if (!members?.delete(userId)) return;
    this.groupsByUser.get(userId)?.delete(groupId);
    this.touchMembership(
      groupId,
      userId,
      "group.user_membership.remove",
      "Remove user from group membership",
    );
  }

  private touchMembership(
    groupId: string,
    userId: string,
    eventType: string,
    message: string,
    options: { silent?: boolean } = {},
  ) {
    const group = this.getGroup(groupId);
    if (options.silent) return;
    group.lastMembershipUpdated = this.clock.now();
    const user = this.getUser(userId);
    this.log({
      ...userEvent(eventType, message, user),
      target: [
        userTarget(user),
        { id: group.id, type: "UserGroup", alternateId: "unknown", displayName: group.profile.name },
      ],
    });
  }

  // ---- roles -------------------------------------------------------------------------------

  roles(userId: string): RoleAssignment[] {
    return this.rolesByUser.get(userId) ?? [];
  }

  /** The roles a group holds (Okta's group role assignments); its members hold them through it. */
  groupRoles(groupId: string): RoleAssignment[] {
    return this.rolesByGroup.get(groupId) ?? [];
  }

  assignRole(user: UserRecord, type: RoleType, options: AssignOptions = {}): RoleAssignment {
    return this.assignTo(userHolder(user), type, options);
  }

  assignGroupRole(group: GroupRecord, type: RoleType, options: AssignOptions = {}): RoleAssignment {
    if (group.type === "BUILT_IN")
      throw validationFailed("group", [
        `${group.profile.name} is built in: roles go to the groups inside it`,
      ]);
    return this.assignTo(groupHolder(group), type, options);
  }

  /**
   * A standard role once per holder; a CUSTOM one names a custom role and a resource set (both
   * must exist), once per pair.
   */
  private assignTo(holder: RoleHolder, type: RoleType, options: AssignOptions): RoleAssignment {
    const store = this.storeOf(holder);
    const roles = store.get(holder.id) ?? [];
    let custom: CustomAssignment | undefined;
    if (type === "CUSTOM") {
      if (!options.custom)
        throw validationFailed("role", ["role and resource-set: a CUSTOM role names both"]);
      const role = this.iam.role(options.custom.roleId);
      const set = this.iam.resourceSet(options.custom.resourceSetId);
      custom = { roleId: role.id, resourceSetId: set.id, label: role.label };
    }
    const same = (r: RoleAssignment) =>
      r.type === type &&
      (!custom || (r.custom?.roleId === custom.roleId && r.custom.resourceSetId === custom.resourceSetId));
    if (roles.some(same)) throw new OktaError("E0000090");
    const now = options.created ?? this.clock.now();
    const role: RoleAssignment = {
      id: this.ids.okta("ra1"),
      type,
      assignee: { type: ASSIGNMENT_TYPES[holder.kind], id: holder.id },
      created: now,
      lastUpdated: now,
      groupTargets: [],
      appTargets: [],
      ...(custom ? { custom } : {}),
    };
    roles.push(role);
    store.set(holder.id, roles);
    if (!options.silent) this.log(holder.event("grant", `Grant ${holder.kind} privilege ${roleLabel(role)}`));
    return role;
  }

  unassignRole(user: UserRecord, roleId: string): void {
    this.unassignFrom(userHolder(user), roleId);
  }

  unassignGroupRole(group: GroupRecord, roleId: string): void {
    this.unassignFrom(groupHolder(group), roleId);
  }

  private unassignFrom(holder: RoleHolder, roleId: string): void {
    const roles = this.storeOf(holder).get(holder.id) ?? [];
    const role = roleIn(roles, roleId);
    roles.splice(roles.indexOf(role), 1);
    this.log(holder.event("revoke", `Revoke ${holder.kind} privilege ${roleLabel(role)}`));
  }

  getRole(user: UserRecord, roleId: string): RoleAssignment {
    return roleIn(this.roles(user.id), roleId);
  }

  /** The roles an OAuth 2.0 client (an OIDC app, by its `client_id`) holds. */
  clientRoles(clientId: string): RoleAssignment[] {
    return this.rolesByClient.get(this.getClient(clientId).id) ?? [];
  }

  assignClientRole(clientId: string, type: RoleType, options: AssignOptions = {}): RoleAssignment {
    return this.assignTo(this.clientHolder(clientId), type, options);
  }

  /** Whether a role assignment names this custom role or resource set. */
  private customInUse(id: string): boolean {
    for (const store of [this.rolesByUser, this.rolesByGroup, this.rolesByClient])
      for (const roles of store.values())
        if (roles.some((r) => r.custom?.roleId === id || r.custom?.resourceSetId === id)) return true;
    return false;
  }

  unassignClientRole(clientId: string, roleId: string): void {
    this.unassignFrom(this.clientHolder(clientId), roleId);
  }

  getClientRole(clientId: string, roleId: string): RoleAssignment {
    return roleIn(this.clientRoles(clientId), roleId);
  }

  /** An OIDC app by its `client_id` (the app's id unless the app was created with its own). */
  private getClient(clientId: string): AppRecord {
    const app = this.apps.apps.find(
      (a) =>
        a.signOnMode === "OPENID_CONNECT" &&
        (a.id === clientId ||
          (a.credentials?.oauthClient as { client_id?: unknown } | undefined)?.client_id === clientId),
    );
    if (!app) throw notFound(clientId, "Client");
    return app;
  }

  private clientHolder(clientId: string): RoleHolder {
    const app = this.getClient(clientId);
    return {
      kind: "client",
      id: app.id,
      event: (action, message) => ({
        ...userEventShape(`app.oauth2.client.privilege.${action}`, message),
        target: [{ id: app.id, type: "AppInstance", alternateId: app.name, displayName: app.label }],
      }),
    };
  }

  getGroupRole(group: GroupRecord, roleId: string): RoleAssignment {
    return roleIn(this.groupRoles(group.id), roleId);
  }

  private storeOf(holder: RoleHolder): Map<string, RoleAssignment[]> {
    return { user: this.rolesByUser, group: this.rolesByGroup, client: this.rolesByClient }[holder.kind];
  }

  /** Whoever holds a role, for the System Log of a change to its targets. */
  private holderOf(role: RoleAssignment): RoleHolder {
    const { type, id } = role.assignee;
    if (type === "USER") return userHolder(this.getUser(id));
    if (type === "GROUP") return groupHolder(this.getGroup(id));
    return this.clientHolder(id);
  }

  /** Narrows a role to one more group (PUT …/targets/groups/{groupId}); only some role types take targets. */
  addGroupTarget(role: RoleAssignment, group: GroupRecord): void {
    refuseUntargetable(role);
    if (role.groupTargets.includes(group.id)) return;
    role.groupTargets.push(group.id);
    role.lastUpdated = this.clock.now();
    this.log(this.holderOf(role).event("grant", `Add group target to ${ROLE_LABELS[role.type]}`));
  }

  removeGroupTarget(role: RoleAssignment, groupId: string): void {
    refuseUntargetable(role);
    const index = role.groupTargets.indexOf(groupId);
    if (index < 0) throw notFound(groupId, "UserGroup");
    // Okta: "You can't remove the last group target from a role assignment" (the spec's note on
    // unassigning a group target). The spec names no error code: E0000001 is the harness's choice.
    if (role.groupTargets.length === 1)
      throw validationFailed("groupTargets", [
        "You can't remove the last group target from a role assignment: delete the role assignment instead.",
      ]);
    role.groupTargets.splice(index, 1);
    role.lastUpdated = this.clock.now();
    this.log(this.holderOf(role).event("revoke", `Remove group target from ${ROLE_LABELS[role.type]}`));
  }

  /**
   * Narrows an APP_ADMIN role to every instance of an app (`appId` absent) or to one instance.
   * Okta: an app target overrides that app's instance targets, and an instance target cannot be
   * added under an app already targeted whole (the spec's notes; E0000001 is the harness's choice).
   */
  addAppTarget(role: RoleAssignment, name: string, appId?: string): void {
    refuseUnlessAppAdmin(role);
    this.catalogApp(name, appId);
    if (appId === undefined) role.appTargets = role.appTargets.filter((t) => t.name !== name);
    else if (role.appTargets.some((t) => t.name === name && t.appId === undefined))
      throw validationFailed("appTargets", [
        `every ${name} app is a target already: its instances cannot be added`,
      ]);
    if (role.appTargets.some((t) => t.name === name && t.appId === appId)) return;
    role.appTargets.push(appId === undefined ? { name } : { name, appId });
    role.lastUpdated = this.clock.now();
    this.log(this.holderOf(role).event("grant", `Add app target to ${ROLE_LABELS[role.type]}`));
  }

  /** Every app again: the role's app targets go. */
  targetAllApps(role: RoleAssignment): void {
    refuseUnlessAppAdmin(role);
    role.appTargets = [];
    role.lastUpdated = this.clock.now();
  }

  /** Okta: "You can't remove the last … app target from a role assignment" (E0000001, the harness's choice). */
  removeAppTarget(role: RoleAssignment, name: string, appId?: string): void {
    refuseUnlessAppAdmin(role);
    const index = role.appTargets.findIndex((t) => t.name === name && t.appId === appId);
    if (index < 0) throw notFound(appId ?? name, appId ? "AppInstance" : "CatalogApplication");
    if (role.appTargets.length === 1)
      throw validationFailed("appTargets", [
        "You can't remove the last app target from a role assignment: delete the role assignment instead.",
      ]);
    role.appTargets.splice(index, 1);
    role.lastUpdated = this.clock.now();
    this.log(this.holderOf(role).event("revoke", `Remove app target from ${ROLE_LABELS[role.type]}`));
  }

  /**
   * An OIN integration by key, or one instance of it in the org (404 otherwise). Okta checks a
   * key against its whole catalogue (thousands of integrations, `facebook` with no instance in the
   * org included); the fake has no catalogue, so any well-formed key is one — the harness's choice.
   */
  catalogApp(name: string, appId?: string): AppRecord | undefined {
    if (!/^[a-z0-9_]{1,100}$/.test(name)) throw notFound(name, "CatalogApplication");
    const matches = this.apps.apps.filter((a) => a.name === name);
    if (appId === undefined) return matches[0];
    const instance = matches.find((a) => a.id === appId);
    if (!instance) throw notFound(appId, "AppInstance");
    return instance;
  }

  /** An app is gone: roles narrowed to that instance lose the target. */
  forgetAppInstance(appId: string): void {
    this.rolesByClient.delete(appId);
    for (const roles of [
      ...this.rolesByUser.values(),
      ...this.rolesByGroup.values(),
      ...this.rolesByClient.values(),
    ])
      for (const role of roles) role.appTargets = role.appTargets.filter((t) => t.appId !== appId);
  }

  // ---- sessions ----------------------------------------------------------------------------

  sessions(userId: string): SessionRecord[] {
    return this.sessionsByUser.get(userId) ?? [];
  }

  addSession(user: UserRecord, ipAddress: string, created?: number): SessionRecord {
    const session: SessionRecord = {
      id: this.ids.okta("102"),
      userId: user.id,
      created: created ?? this.clock.now(),
      ipAddress,
    };
    const list = this.sessionsByUser.get(user.id) ?? [];
    list.push(session);
    this.sessionsByUser.set(user.id, list);
    return session;
  }

  clearSessions(user: UserRecord): void {
    this.sessionsByUser.delete(user.id);
    this.log(userEvent("user.session.clear", "Clear user session", user));
  }

  // ---- factors -----------------------------------------------------------------------------

  factors(userId: string): FactorRecord[] {
    return this.factorsByUser.get(userId) ?? [];
  }

  /** Adds an enrolled factor: ACTIVE, with its type's usual provider and profile, unless given. */
  enrollFactor(
    user: UserRecord,
    factorType: FactorType,
    id: string,
    created: number,
    details: Partial<Pick<FactorRecord, "status" | "provider" | "profile">> = {},
  ): FactorRecord {
    const factor: FactorRecord = {
      id,
      userId: user.id,
      factorType,
      status: details.status ?? "ACTIVE",
      ...(details.provider ? { provider: details.provider } : {}),
      created,
      lastUpdated: created,
      profile: details.profile ?? factorProfile(factorType, user),
    };
    const list = this.factorsByUser.get(user.id) ?? [];
    list.push(factor);
    this.factorsByUser.set(user.id, list);
    return factor;
  }

  /**
   * Whether users may enroll against an authenticator: it is ACTIVE, and the default authenticator
   * enrollment policy does not say NOT_ALLOWED (or leave it out).
   */
  enrollmentAllowed(key: AuthenticatorKey): boolean {
    if (this.authenticators.byKey(key).status !== "ACTIVE") return false;
    const settings = this.policies.defaultOf("MFA_ENROLL")?.settings as
      | { authenticators?: { key?: unknown; enroll?: { self?: unknown } }[] }
      | undefined;
    const entry = settings?.authenticators?.find((a) => a.key === key);
    return entry !== undefined && entry.enroll?.self !== "NOT_ALLOWED";
  }

  /** `POST /users/{id}/factors`: one factor of a type and provider per user (Okta's E0000001 otherwise). */
  enrollNewFactor(user: UserRecord, enrollment: Enrollment): FactorRecord {
    const { factorType, provider } = enrollment;
    if (
      this.factors(user.id).some(
        (f) => f.factorType === factorType && (f.provider ?? FACTORS[factorType].provider) === provider,
      )
    )
      throw validationFailed("factor", ["A factor of this type is already set up."]);
    const factor = this.enrollFactor(
      user,
      factorType,
      this.ids.okta(FACTORS[factorType].prefix),
      this.clock.now(),
      {
        status: enrollment.status,
        provider: provider === FACTORS[factorType].provider ? undefined : provider,
        profile: Object.keys(enrollment.profile).length > 0 ? enrollment.profile : undefined,
      },
    );
    if (factor.status === "ACTIVE")
      this.log(userEvent("user.mfa.factor.activate", "Activate factor or authenticator", user));
    return factor;
  }

  /** `DELETE /users/{id}/factors/{factorId}`: 404 E0000007 for a factor the user does not have. */
  resetFactor(user: UserRecord, factorId: string): void {
    const list = this.factors(user.id);
    const index = list.findIndex((f) => f.id === factorId);
    if (index < 0) throw notFound(factorId, "UserFactor");
    const [factor] = list.splice(index, 1);
    this.log({
      ...userEvent("user.mfa.factor.deactivate", "Reset factor for user", user),
      outcome: { result: "SUCCESS", reason: `User reset ${factor?.factorType} factor` },
    });
  }

  /** `POST /users/{id}/lifecycle/reset_factors`: every enrolment is removed; the status stays. */
  resetAllFactors(user: UserRecord): void {
    this.factorsByUser.delete(user.id);
    this.log(userEvent("user.mfa.factor.reset_all", "Reset all factors for user", user));
  }

  // ---- System Log --------------------------------------------------------------------------

  log(event: NewLogEvent): LogEventRecord {
    const record: LogEventRecord = {
      ...event,
      seq: ++this.seq,
      uuid: this.ids.uuid(),
      published: event.published ?? this.clock.now(),
    };
    this.logs.push(record);
    return record;
  }
}

/** Okta's error for a role type whose scope cannot be narrowed to groups (reference silent on the wording). */
export interface AssignOptions {
  silent?: boolean;
  created?: number;
  /** A CUSTOM assignment's custom role and resource set, by id or label. */
  custom?: { roleId: string; resourceSetId: string };
}

/** Who holds a role, and the System Log event Okta writes when it changes. */
interface RoleHolder {
  kind: "user" | "group" | "client";
  id: string;
  event(action: "grant" | "revoke", message: string): NewLogEvent;
}

const ASSIGNMENT_TYPES = { user: "USER", group: "GROUP", client: "CLIENT" } as const;

const userHolder = (user: UserRecord): RoleHolder => ({
  kind: "user",
  id: user.id,
  event: (action, message) => userEvent(`user.account.privilege.${action}`, message, user),
});

const groupHolder = (group: GroupRecord): RoleHolder => ({
  kind: "group",
  id: group.id,
  event: (action, message) => groupEvent(`group.privilege.${action}`, message, group),
});

/** A role assignment among a holder's, or Okta's 404. */
function roleIn(roles: readonly RoleAssignment[], roleId: string): RoleAssignment {
  const role = roles.find((r) => r.id === roleId);
  if (!role) throw notFound(roleId, "Role");
  return role;
}

function refuseUnlessAppAdmin(role: RoleAssignment): void {
  if (role.type !== "APP_ADMIN")
    throw validationFailed("role", [`The role ${role.type} does not support app targets (only APP_ADMIN)`]);
}

function refuseUntargetable(role: RoleAssignment): void {
  if (!GROUP_TARGETED_ROLES.includes(role.type))
    throw validationFailed("role", [`The role ${role.type} does not support group targets`]);
}

function factorProfile(factorType: FactorType, user: UserRecord): Record<string, string> {
  switch (factorType) {
    case "sms":
    case "call":
      return { phoneNumber: "+1 XXX-XXX-0100" };
    case "email":
      return { email: user.profile.email };
    case "question":
      return {
        question: "favorite_security_question",
        questionText: "What is your favorite security question?",
      };
    case "push":
    case "token:software:totp":
      return { credentialId: user.profile.login, deviceType: "SmartPhone_IPhone" };
    case "webauthn":
      return { credentialId: "AbCdEf012345", authenticatorName: "Security key" };
  }
}

function userTarget(user: UserRecord): LogTarget {
  return {
    id: user.id,
    type: "User",
    alternateId: user.profile.login,
    displayName: `${user.profile.firstName} ${user.profile.lastName}`,
  };
}

/** An event done by the API token's owner to `group`. */
function groupEvent(eventType: string, displayMessage: string, group: GroupRecord): NewLogEvent {
  return {
    ...userEventShape(eventType, displayMessage),
    target: [{ id: group.id, type: "UserGroup", alternateId: "unknown", displayName: group.profile.name }],
  };
}

function userEventShape(eventType: string, displayMessage: string): Omit<NewLogEvent, "target"> {
  return {
    eventType,
    legacyEventType: null,
    displayMessage,
    severity: "INFO",
    actor: API_ACTOR,
    client: {
      ipAddress: "127.0.0.1",
      userAgent: "paceline",
      country: "United States",
      state: null,
      city: "Local",
    },
    outcome: { result: "SUCCESS", reason: null },
  };
}

/** An event done by the API token's owner to `user`, as Okta records admin API calls. */
export function userEvent(eventType: string, displayMessage: string, user: UserRecord): NewLogEvent {
  return { ...userEventShape(eventType, displayMessage), target: [userTarget(user)] };
}
