import type { Clock } from "../shared/clock.js";
import { notFound, validationFailed } from "./errors.js";
import type { IdSource } from "./ids.js";

/**
 * Custom admin roles (`/api/v1/iam/roles`: a label and Okta permissions) and resource sets
 * (`/api/v1/iam/resource-sets`: what a custom role applies to). A CUSTOM role assignment names one
 * of each; neither can be deleted while an assignment names it (E0000001, the harness's choice).
 */
export interface CustomRoleRecord {
  id: string;
  label: string;
  description: string;
  permissions: string[];
  created: number;
  lastUpdated: number;
}

export interface ResourceSetRecord {
  id: string;
  label: string;
  description: string;
  resources: string[];
  created: number;
  lastUpdated: number;
}

/** Okta's permission names: `okta.<resource>.<action>` (and deeper, e.g. okta.users.credentials.manage). */
const PERMISSION = /^okta\.[a-zA-Z]+(\.[a-zA-Z]+)+$/;

const text = (value: unknown, field: string, max: number): string => {
  if (typeof value !== "string" || value.trim() === "" || value.length > max)
    throw validationFailed(field, [`${field}: a string of 1 to ${max} characters is required`]);
  return value;
};

const strings = (value: unknown, field: string, valid: (s: string) => boolean, what: string): string[] => {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100)
    throw validationFailed(field, [`${field}: 1 to 100 ${what} are required`]);
  const bad = value.find((v) => typeof v !== "string" || !valid(v));
  if (bad !== undefined)
    throw validationFailed(field, [`${field}: '${String(bad)}' is not ${what.replace(/s$/, "")}`]);
  return [...new Set(value as string[])];
};

export class IamDirectory {
  readonly roles: CustomRoleRecord[] = [];
  readonly resourceSets: ResourceSetRecord[] = [];

  constructor(
    private readonly ids: IdSource,
    private readonly clock: Clock,
    /** Whether any role assignment names this custom role or resource set id. */
    private readonly inUse: (id: string) => boolean,
  ) {}

  /** A custom role from Okta's CreateIamRoleRequest; labels are unique. */
  addRole(body: Record<string, unknown>): CustomRoleRecord {
    const label = text(body.label, "label", 255);
    const description = text(body.description, "description", 1024);
    const permissions = strings(
      body.permissions,
      "permissions",
      (p) => PERMISSION.test(p),
      "Okta permissions",
    );
    if (this.roles.some((r) => r.label === label))
      throw validationFailed("label", [`label: '${label}' is taken`]);
    const now = this.clock.now();
    const role = {
      id: this.ids.okta("cr0"),
      label,
      description,
      permissions,
      created: now,
      lastUpdated: now,
    };
    this.roles.push(role);
    return role;
  }

  /** A custom role by id or label (Okta's `roleIdOrLabel`). */
  role(idOrLabel: string): CustomRoleRecord {
    const role = this.roles.find((r) => r.id === idOrLabel || r.label === idOrLabel);
    if (!role) throw notFound(idOrLabel, "IamRole");
    return role;
  }

  removeRole(idOrLabel: string): void {
    const role = this.role(idOrLabel);
    if (this.inUse(role.id)) throw validationFailed("role", [`${role.label} is assigned: unassign it first`]);
    this.roles.splice(this.roles.indexOf(role), 1);
  }

  /** A resource set from Okta's CreateResourceSetRequest: resources are ORNs or API URLs. */
  addResourceSet(body: Record<string, unknown>): ResourceSetRecord {
    const label = text(body.label, "label", 255);
    const description = text(body.description, "description", 1024);
    const resources = strings(
      body.resources,
      "resources",
      (r) => /^orn:[a-z-]+:/.test(r) || /^https?:\/\/[^\s]+\/api\/v1\//.test(r),
      "ORNs or Okta API URLs",
    );
    if (this.resourceSets.some((r) => r.label === label))
      throw validationFailed("label", [`label: '${label}' is taken`]);
    const now = this.clock.now();
    const set = { id: this.ids.okta("iam"), label, description, resources, created: now, lastUpdated: now };
    this.resourceSets.push(set);
    return set;
  }

  resourceSet(idOrLabel: string): ResourceSetRecord {
    const set = this.resourceSets.find((r) => r.id === idOrLabel || r.label === idOrLabel);
    if (!set) throw notFound(idOrLabel, "ResourceSet");
    return set;
  }

  removeResourceSet(idOrLabel: string): void {
    const set = this.resourceSet(idOrLabel);
    if (this.inUse(set.id))
      throw validationFailed("resourceSet", [`${set.label} is assigned: unassign it first`]);
    this.resourceSets.splice(this.resourceSets.indexOf(set), 1);
  }
}
