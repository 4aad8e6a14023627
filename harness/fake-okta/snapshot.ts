import { iso } from "../shared/clock.js";
import type { OktaOrg } from "./org.js";

/**
 * The org's state as one JSON document: what scenario scoring compares before and after, and what
 * its org queries select from. Every user with status, profile, groups, roles and their group
 * targets, enrolled factors, sessions and the apps they reach (directly or through a group); every
 * group with its members; every app with its status and assigned groups.
 */
export interface SnapshotUser {
  id: string;
  login: string;
  status: string;
  profile: Record<string, unknown>;
  groups: string[];
  roles: string[];
  /** `ROLE_TYPE:group name` for each group a role is narrowed to. */
  roleTargets: string[];
  /** `factorType:status`. */
  factors: string[];
  sessions: number;
  /** `label:USER` (assigned directly) or `label:GROUP` (through a group). */
  apps: string[];
  lastUpdated: string;
}

export interface SnapshotGroup {
  id: string;
  name: string;
  type: string;
  description: string | null;
  /** Member logins, sorted. */
  members: string[];
}

export interface SnapshotApp {
  id: string;
  label: string;
  status: string;
  /** Names of the groups assigned to the app, sorted. */
  groups: string[];
}

/** A System Log event as scenarios query it: who did what to whom, where, how it ended. */
export interface SnapshotLog {
  eventType: string;
  /** The actor's login (alternateId). */
  actor: string;
  /** The target users' logins. */
  targets: string[];
  outcome: string;
  country: string;
  published: string;
}

export interface OrgSnapshot {
  users: SnapshotUser[];
  groups: SnapshotGroup[];
  apps: SnapshotApp[];
  logEvents: number;
  logs: SnapshotLog[];
}

export function snapshot(org: OktaOrg): OrgSnapshot {
  const groupName = (id: string) => org.findGroup(id)?.profile.name ?? id;
  return {
    users: org.users.map((u) => {
      const groupIds = org.groupsOf(u.id).map((g) => g.id);
      const roles = org.roles(u.id);
      return {
        id: u.id,
        login: u.profile.login,
        status: u.status,
        profile: { ...u.profile },
        groups: groupIds.map(groupName),
        roles: roles.map((r) => r.type),
        roleTargets: roles.flatMap((r) => r.groupTargets.map((g) => `${r.type}:${groupName(g)}`)).sort(),
        factors: org
          .factors(u.id)
          .map((f) => `${f.factorType}:${f.status}`)
          .sort(),
        sessions: org.sessions(u.id).length,
        apps: org.apps.apps
          .flatMap((app) => {
            const scope = org.apps.scopeOf(app, u.id, groupIds);
            return scope ? [`${app.label}:${scope}`] : [];
          })
          .sort(),
        lastUpdated: iso(u.lastUpdated),
      };
    }),
    groups: org.groups.map((g) => ({
      id: g.id,
      name: g.profile.name,
      type: g.type,
      description: g.profile.description ?? null,
      members: org
        .members(g.id)
        .map((m) => m.profile.login)
        .sort(),
    })),
    apps: org.apps.apps.map((app) => ({
      id: app.id,
      label: app.label,
      status: app.status,
      groups: org.apps.groupIds(app).map(groupName).sort(),
    })),
    logEvents: org.logs.length,
    logs: org.logs.map((event) => ({
      eventType: event.eventType,
      actor: event.actor.alternateId,
      targets: event.target.filter((t) => t.type === "User").map((t) => t.alternateId),
      outcome: event.outcome.result,
      country: event.client.country,
      published: iso(event.published),
    })),
  };
}
