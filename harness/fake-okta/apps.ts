import type { Clock } from "../shared/clock.js";
import { AppResources } from "./app-resources.js";
import { notFound, OktaError, validationFailed } from "./errors.js";
import type { IdSource } from "./ids.js";
import type { UserRecord } from "./model.js";
import type { Rng } from "./rng.js";

/**
 * Applications and who can reach them: an app is assigned to users directly (scope `USER`) or to
 * groups, whose members then have it too (scope `GROUP`). Offboarding removes both kinds of access;
 * an access review lists them. A seeded catalogue of common SaaS apps; lifecycle ACTIVE/INACTIVE.
 */
export interface AppRecord {
  id: string;
  name: string;
  label: string;
  status: "ACTIVE" | "INACTIVE";
  signOnMode: CustomSignOnMode;
  created: number;
  lastUpdated: number;
  /** A custom app's `settings` and `credentials`, as created (catalogue apps have none). */
  settings?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
}

/** The custom apps `POST /api/v1/apps` creates: the sign-on modes Okta's SDK tests create. */
export type CustomSignOnMode =
  | "BOOKMARK"
  | "BASIC_AUTH"
  | "BROWSER_PLUGIN"
  | "SECURE_PASSWORD_STORE"
  | "AUTO_LOGIN"
  | "SAML_2_0"
  | "OPENID_CONNECT";

export interface AppAssignment {
  userId: string;
  created: number;
}

/** Common apps an org has (name is Okta's integration name). */
export const APP_CATALOGUE = [
  { name: "amazon_aws", label: "AWS", signOnMode: "SAML_2_0" },
  { name: "salesforce", label: "Salesforce", signOnMode: "SAML_2_0" },
  { name: "github_enterprise", label: "GitHub Enterprise", signOnMode: "SAML_2_0" },
  { name: "slack", label: "Slack", signOnMode: "SAML_2_0" },
  { name: "google", label: "Google Workspace", signOnMode: "SAML_2_0" },
  { name: "zoomus", label: "Zoom", signOnMode: "SAML_2_0" },
  { name: "jira_onprem", label: "Jira", signOnMode: "OPENID_CONNECT" },
] as const;

export class AppDirectory {
  readonly apps: AppRecord[] = [];
  private readonly direct = new Map<string, Map<string, AppAssignment>>();
  private readonly groups = new Map<string, Map<string, number>>();
  private readonly resourcesById = new Map<string, AppResources>();

  constructor(
    private readonly ids: IdSource,
    private readonly clock: Clock,
  ) {}

  add(
    entry: Pick<AppRecord, "name" | "label" | "signOnMode"> &
      Partial<Pick<AppRecord, "status" | "settings" | "credentials">>,
    created: number,
  ): AppRecord {
    const app: AppRecord = {
      id: this.ids.okta("0oa"),
      status: "ACTIVE",
      created,
      lastUpdated: created,
      ...entry,
    };
    this.apps.push(app);
    this.direct.set(app.id, new Map());
    this.groups.set(app.id, new Map());
    this.resourcesById.set(app.id, new AppResources());
    return app;
  }

  /** The app's keys, CSRs, grants, claims, schema, connection and policy (see app-resources.ts). */
  resources(app: AppRecord): AppResources {
    return this.resourcesById.get(app.id) as AppResources;
  }

  /** Ids for an app's keys, CSRs, grants and claims, from the apps' own stream. */
  newId(prefix: string): string {
    return this.ids.okta(prefix);
  }

  secret(length: number): string {
    return this.ids.token(length);
  }

  get(id: string): AppRecord {
    const app = this.apps.find((a) => a.id === id);
    if (!app) throw notFound(id, "AppInstance");
    return app;
  }

  byLabel(label: string): AppRecord | undefined {
    return this.apps.find((a) => a.label === label);
  }

  /** Okta's app lifecycle: activate an INACTIVE app, deactivate an ACTIVE one; the other way is a no-op. */
  setStatus(app: AppRecord, status: AppRecord["status"]): void {
    if (app.status === status) return;
    app.status = status;
    app.lastUpdated = this.clock.now();
  }

  private refuseInactive(app: AppRecord): void {
    if (app.status !== "ACTIVE")
      throw validationFailed("appUser", [`Cannot assign to app '${app.label}' while it is ${app.status}`]);
  }

  assignUser(app: AppRecord, user: UserRecord, created = this.clock.now()): AppAssignment {
    this.refuseInactive(app);
    const users = this.direct.get(app.id) as Map<string, AppAssignment>;
    const existing = users.get(user.id);
    if (existing) return existing;
    const assignment = { userId: user.id, created };
    users.set(user.id, assignment);
    return assignment;
  }

  /** Removes a direct assignment; access through a group stays (Okta refuses to remove that here). */
  unassignUser(app: AppRecord, userId: string, groupIdsOf: (userId: string) => string[]): void {
    const users = this.direct.get(app.id) as Map<string, AppAssignment>;
    if (users.delete(userId)) return;
    if (this.viaGroup(app, groupIdsOf(userId)))
      throw new OktaError("E0000006", undefined, [
        `The user has '${app.label}' through a group: remove them from the group, or the group from the app`,
      ]);
    throw notFound(userId, "User");
  }

  assignGroup(app: AppRecord, groupId: string, created = this.clock.now()): void {
    this.refuseInactive(app);
    const groups = this.groups.get(app.id) as Map<string, number>;
    if (!groups.has(groupId)) groups.set(groupId, created);
  }

  unassignGroup(app: AppRecord, groupId: string): void {
    if (!this.groups.get(app.id)?.delete(groupId)) throw notFound(groupId, "UserGroup");
  }

  groupIds(app: AppRecord): string[] {
    return [...(this.groups.get(app.id)?.keys() ?? [])];
  }

  directUser(app: AppRecord, userId: string): AppAssignment | undefined {
    return this.direct.get(app.id)?.get(userId);
  }

  private viaGroup(app: AppRecord, groupIds: string[]): boolean {
    const groups = this.groups.get(app.id);
    return groupIds.some((id) => groups?.has(id));
  }

  /** How a user reaches an app: `USER` (direct), `GROUP` (through a group), or not at all. */
  scopeOf(app: AppRecord, userId: string, groupIds: string[]): "USER" | "GROUP" | undefined {
    if (this.direct.get(app.id)?.has(userId)) return "USER";
    return this.viaGroup(app, groupIds) ? "GROUP" : undefined;
  }

  /** Every user id that reaches the app, with how. */
  usersOf(app: AppRecord, membersOf: (groupId: string) => string[]): Map<string, "USER" | "GROUP"> {
    const result = new Map<string, "USER" | "GROUP">();
    for (const groupId of this.groupIds(app)) for (const id of membersOf(groupId)) result.set(id, "GROUP");
    for (const id of this.direct.get(app.id)?.keys() ?? []) result.set(id, "USER");
    return result;
  }

  /** Deletes an app; Okta deletes only an inactive one ("Deletes an inactive application", spec). */
  remove(app: AppRecord): void {
    if (app.status !== "INACTIVE")
      throw new OktaError("E0000056", undefined, [`Deactivate '${app.label}' before deleting it`]);
    this.apps.splice(this.apps.indexOf(app), 1);
    this.direct.delete(app.id);
    this.groups.delete(app.id);
    this.resourcesById.delete(app.id);
  }

  /** A user (or group) is gone: their assignments go too. */
  forgetUser(userId: string): void {
    for (const users of this.direct.values()) users.delete(userId);
  }

  forgetGroup(groupId: string): void {
    for (const groups of this.groups.values()) groups.delete(groupId);
  }

  /**
   * Seeds the catalogue: each app goes to a department's group and to a few users directly.
   * Pauses (a `yield`) every thousand users, for a build that hands the event loop back.
   */
  *seed(
    rng: Rng,
    now: number,
    users: UserRecord[],
    groups: { id: string; name: string }[],
  ): Generator<void, void> {
    for (const entry of APP_CATALOGUE) {
      const app = this.add({ ...entry }, now - 400 * 86_400_000);
      const group = groups.length > 0 ? groups[rng.int(groups.length)] : undefined;
      if (group) this.assignGroup(app, group.id, now - 300 * 86_400_000);
      for (const [index, user] of users.entries()) {
        if (index % 1000 === 999) yield;
        if (user.status !== "DEPROVISIONED" && rng.chance(0.08))
          this.assignUser(app, user, now - 200 * 86_400_000);
      }
    }
  }
}
