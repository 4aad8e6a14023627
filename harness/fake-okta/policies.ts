import type { Clock } from "../shared/clock.js";
import { notFound, validationFailed } from "./errors.js";
import type { IdSource } from "./ids.js";

/**
 * Okta's policies, as far as apps use them: a policy of one of the spec's `PolicyType`s, with a
 * name, a description and a lifecycle (ACTIVE/INACTIVE). Rules are not modelled.
 */
export const POLICY_TYPES = [
  "ACCESS_POLICY",
  "ENTITY_RISK",
  "IDP_DISCOVERY",
  "MFA_ENROLL",
  "OKTA_SIGN_ON",
  "PASSWORD",
  "POST_AUTH_SESSION",
  "PROFILE_ENROLLMENT",
  "DEVICE_SIGNAL_COLLECTION",
  "SESSION_VIOLATION_DETECTION",
  "CLIENT_UPDATE",
  "IDENTITY_CLAIM_SOURCING",
] as const;

export interface PolicyRecord {
  id: string;
  type: (typeof POLICY_TYPES)[number];
  name: string;
  description?: string;
  status: "ACTIVE" | "INACTIVE";
  priority: number;
  created: number;
  lastUpdated: number;
}

export class PolicyDirectory {
  readonly policies: PolicyRecord[] = [];

  constructor(
    private readonly ids: IdSource,
    private readonly clock: Clock,
  ) {}

  /** A new policy; names are unique within a type (Okta's E0000001 otherwise). */
  add(input: Pick<PolicyRecord, "type" | "name" | "description" | "status">): PolicyRecord {
    if (this.policies.some((p) => p.type === input.type && p.name === input.name))
      throw validationFailed("name", [`name: a ${input.type} policy named '${input.name}' exists`]);
    const now = this.clock.now();
    const priority = this.policies.filter((p) => p.type === input.type).length + 1;
    const policy = { id: this.ids.okta("rst"), ...input, priority, created: now, lastUpdated: now };
    this.policies.push(policy);
    return policy;
  }

  get(id: string): PolicyRecord {
    const policy = this.policies.find((p) => p.id === id);
    if (!policy) throw notFound(id, "Policy");
    return policy;
  }

  setStatus(policy: PolicyRecord, status: PolicyRecord["status"]): void {
    if (policy.status === status) return;
    policy.status = status;
    policy.lastUpdated = this.clock.now();
  }

  remove(policy: PolicyRecord): void {
    this.policies.splice(this.policies.indexOf(policy), 1);
  }
}
