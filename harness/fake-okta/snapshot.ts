import { iso } from "../shared/clock.js";
import type { OktaOrg } from "./org.js";

/**
 * The org's state as one JSON document: every user with status, groups, roles and session count;
 * every group with its member count. What scenario scoring compares before and after.
 */
export interface OrgSnapshot {
  users: {
    id: string;
    login: string;
    status: string;
    profile: Record<string, unknown>;
    groups: string[];
    roles: string[];
    sessions: number;
    lastUpdated: string;
  }[];
  groups: { id: string; name: string; type: string; members: number }[];
  logEvents: number;
}

export function snapshot(org: OktaOrg): OrgSnapshot {
  return {
    users: org.users.map((u) => ({
      id: u.id,
      login: u.profile.login,
      status: u.status,
      profile: { ...u.profile },
      groups: org.groupsOf(u.id).map((g) => g.profile.name),
      roles: org.roles(u.id).map((r) => r.type),
      sessions: org.sessions(u.id).length,
      lastUpdated: iso(u.lastUpdated),
    })),
    groups: org.groups.map((g) => ({
      id: g.id,
      name: g.profile.name,
      type: g.type,
      members: org.members(g.id).length,
    })),
    logEvents: org.logs.length,
  };
}
