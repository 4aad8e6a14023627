import { iso } from "../shared/clock.js";
import type { GroupRecord, LogEventRecord, RoleAssignment, UserRecord, UserStatus } from "./model.js";
import { roleLabel } from "./model.js";

/** Turns records into Okta's JSON shapes. Key order is fixed, so a seed reproduces bytes. */

export const DEFAULT_USER_TYPE_ID = "oty1defaultusertype0";

/** Lifecycle links Okta offers for each status (`_links` depend on status). */
const STATUS_LINKS: Record<UserStatus, readonly string[]> = {
  ACTIVE: ["suspend", "resetPassword", "expirePassword", "forgotPassword", "changePassword", "deactivate"],
  STAGED: ["activate", "deactivate"],
  PROVISIONED: ["reactivate", "deactivate"],
  SUSPENDED: ["unsuspend", "deactivate"],
  LOCKED_OUT: ["unlock", "resetPassword", "deactivate"],
  PASSWORD_EXPIRED: ["resetPassword", "expirePassword", "deactivate"],
  RECOVERY: ["reactivate", "resetPassword", "deactivate"],
  DEPROVISIONED: ["activate"],
};

const LINK_PATHS: Record<string, string> = {
  suspend: "lifecycle/suspend",
  unsuspend: "lifecycle/unsuspend",
  activate: "lifecycle/activate",
  reactivate: "lifecycle/reactivate",
  deactivate: "lifecycle/deactivate",
  unlock: "lifecycle/unlock",
  resetPassword: "lifecycle/reset_password",
  expirePassword: "lifecycle/expire_password",
  forgotPassword: "credentials/forgot_password",
  changePassword: "credentials/change_password",
};

function userLinks(user: UserRecord, origin: string) {
  const self = `${origin}/api/v1/users/${user.id}`;
  const links: Record<string, { href: string; method?: string }> = {};
  for (const name of STATUS_LINKS[user.status])
    links[name] = { href: `${self}/${LINK_PATHS[name]}`, method: "POST" };
  links.schema = { href: `${origin}/api/v1/meta/schemas/user/osc1defaultschema000` };
  links.type = { href: `${origin}/api/v1/meta/types/user/${DEFAULT_USER_TYPE_ID}` };
  links.self = { href: self };
  return links;
}

export function userJson(user: UserRecord, origin: string) {
  return {
    id: user.id,
    status: user.status,
    created: iso(user.created),
    activated: user.activated === null ? null : iso(user.activated),
    statusChanged: user.statusChanged === null ? null : iso(user.statusChanged),
    lastLogin: user.lastLogin === null ? null : iso(user.lastLogin),
    lastUpdated: iso(user.lastUpdated),
    passwordChanged: user.passwordChanged === null ? null : iso(user.passwordChanged),
    type: { id: DEFAULT_USER_TYPE_ID },
    profile: user.profile,
    credentials: {
      ...(user.hasPassword ? { password: {} } : {}),
      emails: [{ value: user.profile.email, status: "VERIFIED", type: "PRIMARY" }],
      provider: { type: "OKTA", name: "OKTA" },
    },
    _links: userLinks(user, origin),
  };
}

/**
 * A user's JSON bytes, cached until the user changes (`rev`) or is served on another origin: list
 * pages are the fake's hottest path, and re-serialising 200 users per page dominated it.
 */
const userTextCache = new WeakMap<UserRecord, { rev: number; origin: string; afterComma: Buffer }>();

/** `","` and the user's JSON, in one buffer: a page writes it as one part, not two. */
function userJsonAfterComma(user: UserRecord, origin: string): Buffer {
  const cached = userTextCache.get(user);
  if (cached && cached.rev === user.rev && cached.origin === origin) return cached.afterComma;
  const afterComma = Buffer.from(`,${JSON.stringify(userJson(user, origin))}`);
  userTextCache.set(user, { rev: user.rev, origin, afterComma });
  return afterComma;
}

/** A user's JSON bytes (a view of the cached `","`-led buffer, not a copy). */
export const userJsonBytes = Object.assign(
  (user: UserRecord, origin: string): Buffer => userJsonAfterComma(user, origin).subarray(1),
  { afterComma: userJsonAfterComma },
);

export function groupJson(group: GroupRecord, origin: string) {
  const self = `${origin}/api/v1/groups/${group.id}`;
  return {
    id: group.id,
    created: iso(group.created),
    lastUpdated: iso(group.lastUpdated),
    lastMembershipUpdated: iso(group.lastMembershipUpdated),
    objectClass: [group.type === "APP_GROUP" ? "okta:windows_security_principal" : "okta:user_group"],
    type: group.type,
    profile: { name: group.profile.name, description: group.profile.description },
    _links: {
      logo: [
        { name: "medium", href: `${origin}/assets/img/logos/groups/okta-medium.png`, type: "image/png" },
      ],
      users: { href: `${self}/users` },
      apps: { href: `${self}/apps` },
    },
  };
}

export function roleJson(role: RoleAssignment, origin: string) {
  const { custom } = role;
  return {
    id: role.id,
    label: roleLabel(role),
    type: role.type,
    ...(custom ? { role: custom.roleId, "resource-set": custom.resourceSetId } : {}),
    status: "ACTIVE",
    created: iso(role.created),
    lastUpdated: iso(role.lastUpdated),
    assignmentType: role.assignee.type,
    _links: {
      assignee: {
        href: `${origin}${{ USER: "/api/v1/users", GROUP: "/api/v1/groups", CLIENT: "/oauth2/v1/clients" }[role.assignee.type]}/${role.assignee.id}`,
      },
    },
  };
}

export function logEventJson(event: LogEventRecord) {
  const { client } = event;
  return {
    actor: { ...event.actor, detailEntry: null },
    client: {
      userAgent: { rawUserAgent: client.userAgent, os: "Unknown", browser: "UNKNOWN" },
      zone: "null",
      device: "Unknown",
      id: null,
      ipAddress: client.ipAddress,
      geographicalContext: {
        city: client.city,
        state: client.state,
        country: client.country,
        postalCode: null,
        geolocation: null,
      },
    },
    authenticationContext: {
      authenticationProvider: null,
      credentialProvider: null,
      credentialType: null,
      issuer: null,
      interface: null,
      authenticationStep: 0,
      externalSessionId: "unknown",
    },
    displayMessage: event.displayMessage,
    eventType: event.eventType,
    outcome: { result: event.outcome.result, reason: event.outcome.reason },
    published: iso(event.published),
    securityContext: { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null },
    severity: event.severity,
    debugContext: { debugData: {} },
    legacyEventType: event.legacyEventType,
    transaction: { type: "WEB", id: event.uuid.replaceAll("-", "").slice(0, 20), detail: {} },
    uuid: event.uuid,
    version: "0",
    request: { ipChain: [{ ip: client.ipAddress, geographicalContext: null, version: "V4", source: null }] },
    target: event.target.map((t) => ({ ...t, detailEntry: null })),
  };
}
