/** The fake org's state as plain data. Serialisation to Okta's JSON shapes lives in `serialize.ts`. */

export const USER_STATUSES = [
  "ACTIVE",
  "DEPROVISIONED",
  "LOCKED_OUT",
  "PASSWORD_EXPIRED",
  "PROVISIONED",
  "RECOVERY",
  "STAGED",
  "SUSPENDED",
] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const GROUP_TYPES = ["OKTA_GROUP", "APP_GROUP", "BUILT_IN"] as const;
export type GroupType = (typeof GROUP_TYPES)[number];

/** The 13 standard `RoleType`s of Okta's spec, with the labels Okta shows. */
export const ROLE_LABELS = {
  ACCESS_CERTIFICATIONS_ADMIN: "Access Certifications administrator",
  ACCESS_REQUESTS_ADMIN: "Access Requests administrator",
  API_ACCESS_MANAGEMENT_ADMIN: "API Access Management administrator",
  APP_ADMIN: "Application administrator",
  CUSTOM: "Custom role",
  GROUP_MEMBERSHIP_ADMIN: "Group Membership administrator",
  HELP_DESK_ADMIN: "Help Desk administrator",
  ORG_ADMIN: "Organization administrator",
  READ_ONLY_ADMIN: "Read-only administrator",
  REPORT_ADMIN: "Report administrator",
  SUPER_ADMIN: "Super Organization administrator",
  USER_ADMIN: "Group administrator",
  WORKFLOWS_ADMIN: "Workflows administrator",
} as const;
export type RoleType = keyof typeof ROLE_LABELS;
export const ROLE_TYPES = Object.keys(ROLE_LABELS) as RoleType[];

export interface UserProfile {
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  [attribute: string]: string | number | boolean | null | string[] | undefined;
}

export interface UserRecord {
  /** Insertion order; the basis of the opaque `after` cursor. */
  seq: number;
  /** Bumped on every change, so serialised JSON can be cached until the user changes. */
  rev: number;
  id: string;
  status: UserStatus;
  created: number;
  activated: number | null;
  statusChanged: number | null;
  lastLogin: number | null;
  lastUpdated: number;
  passwordChanged: number | null;
  hasPassword: boolean;
  profile: UserProfile;
}

export interface GroupRecord {
  seq: number;
  id: string;
  type: GroupType;
  created: number;
  lastUpdated: number;
  lastMembershipUpdated: number;
  profile: { name: string; description: string | null };
}

export interface RoleAssignment {
  id: string;
  type: RoleType;
  /** Who holds it: a user, a group whose members all do, or an OAuth 2.0 client (an app's id). */
  assignee: { type: "USER" | "GROUP" | "CLIENT"; id: string };
  created: number;
  lastUpdated: number;
  /** Group ids the role is narrowed to; empty means the whole org. */
  groupTargets: string[];
  /** An APP_ADMIN role narrowed to apps: every instance of an app (`name`) or one (`name`, `appId`). */
  appTargets: AppTarget[];
  /** A CUSTOM assignment: which custom role, over which resource set (see iam.ts). */
  custom?: CustomAssignment;
}

/** The label a role assignment reports: Okta's for a standard role, the custom role's own for CUSTOM. */
export function roleLabel(role: Pick<RoleAssignment, "type" | "custom">): string {
  return role.custom?.label ?? ROLE_LABELS[role.type];
}

export interface CustomAssignment {
  roleId: string;
  resourceSetId: string;
  /** The custom role's label, as the assignment reports it. */
  label: string;
}

export interface AppTarget {
  name: string;
  appId?: string;
}

/** The role types whose scope can be narrowed to groups (issue #11; Okta's role-target API). */
export const GROUP_TARGETED_ROLES: readonly RoleType[] = [
  "USER_ADMIN",
  "GROUP_MEMBERSHIP_ADMIN",
  "HELP_DESK_ADMIN",
];

/** Okta's factor types as `GET /users/{id}/factors` reports them, with the id prefixes Okta uses. */
export const FACTORS = {
  push: { provider: "OKTA", vendorName: "OKTA", prefix: "opf" },
  "token:software:totp": { provider: "OKTA", vendorName: "OKTA", prefix: "ost" },
  sms: { provider: "OKTA", vendorName: "OKTA", prefix: "mbl" },
  call: { provider: "OKTA", vendorName: "OKTA", prefix: "clf" },
  email: { provider: "OKTA", vendorName: "OKTA", prefix: "emf" },
  question: { provider: "OKTA", vendorName: "OKTA", prefix: "ufs" },
  webauthn: { provider: "FIDO", vendorName: "FIDO", prefix: "fwf" },
} as const;
export type FactorType = keyof typeof FACTORS;
export const FACTOR_TYPES = Object.keys(FACTORS) as FactorType[];

export interface FactorRecord {
  id: string;
  userId: string;
  factorType: FactorType;
  /** Enrolled through the API and not yet activated: PENDING_ACTIVATION. */
  status: "ACTIVE" | "PENDING_ACTIVATION";
  /** When not the factor type's usual one (FACTORS), e.g. GOOGLE for a TOTP. */
  provider?: string;
  created: number;
  lastUpdated: number;
  profile: Record<string, string>;
}

export interface SessionRecord {
  id: string;
  userId: string;
  created: number;
  ipAddress: string;
}

export interface LogActor {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
}

export interface LogTarget {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
}

export interface LogEventRecord {
  seq: number;
  uuid: string;
  published: number;
  eventType: string;
  legacyEventType: string | null;
  displayMessage: string;
  severity: "DEBUG" | "INFO" | "WARN" | "ERROR";
  actor: LogActor;
  client: {
    ipAddress: string;
    userAgent: string;
    country: string;
    state: string | null;
    city: string;
  };
  outcome: { result: string; reason: string | null };
  target: LogTarget[];
}
