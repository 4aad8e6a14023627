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

/** What custom roles and resource sets share: an id, a unique label, timestamps. */
interface Labelled {
  id: string;
  label: string;
  created: number;
  lastUpdated: number;
}

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
    return this.add(this.roles, "cr0", { label, description, permissions });
  }

  /** A custom role by id or label (Okta's `roleIdOrLabel`). */
  role(idOrLabel: string): CustomRoleRecord {
    return find(this.roles, idOrLabel, "IamRole");
  }

  removeRole(idOrLabel: string): void {
    this.remove(this.roles, this.role(idOrLabel), "role");
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
    return this.add(this.resourceSets, "iam", { label, description, resources });
  }

  resourceSet(idOrLabel: string): ResourceSetRecord {
    return find(this.resourceSets, idOrLabel, "ResourceSet");
  }

  removeResourceSet(idOrLabel: string): void {
    this.remove(this.resourceSets, this.resourceSet(idOrLabel), "resourceSet");
  }

  /**
   * Adds a record under a new id, unless its label is taken: Okta's spec gives roles a "Unique
   * label" and resource sets a "Unique name" (okta-management-minimal.yaml), and a taken one is a
   * validation error (E0000001).
   */
  private add<T extends Labelled>(
    list: T[],
    prefix: string,
    fields: Omit<T, "id" | "created" | "lastUpdated">,
  ): T {
    if (list.some((r) => r.label === fields.label))
      throw validationFailed("label", [`label: '${fields.label}' is taken`]);
    const now = this.clock.now();
    const record = { id: this.ids.okta(prefix), ...fields, created: now, lastUpdated: now } as T;
    list.push(record);
    return record;
  }

  /**
   * Removes a record no role assignment names. The reference is silent on deleting a role or
   * resource set still assigned; refusing it (E0000001) is this harness's choice, and a client
   * that unassigns first works either way.
   */
  private remove<T extends Labelled>(list: T[], record: T, field: string): void {
    if (this.inUse(record.id))
      throw validationFailed(field, [`${record.label} is assigned: unassign it first`]);
    list.splice(list.indexOf(record), 1);
  }
}

/** A record by id or label, or Okta's 404 naming its kind. */
function find<T extends Labelled>(list: T[], idOrLabel: string, kind: string): T {
  const record = list.find((r) => r.id === idOrLabel || r.label === idOrLabel);
  if (!record) throw notFound(idOrLabel, kind);
  return record;
}
