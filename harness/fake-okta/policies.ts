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
  /** An org's default policy: it cannot be deleted. */
  system: boolean;
  /** The policy's settings and conditions as given (only MFA_ENROLL's authenticators are read). */
  settings?: Record<string, unknown>;
  conditions?: Record<string, unknown>;
  created: number;
  lastUpdated: number;
}

/**
 * Every org has a "Default Policy" of these types (Okta creates them with the org). The default
 * authenticator enrollment policy lets users enroll every authenticator and requires a password.
 */
const DEFAULT_POLICIES: Pick<PolicyRecord, "type" | "settings">[] = [
  { type: "OKTA_SIGN_ON" },
  { type: "PASSWORD" },
  { type: "ACCESS_POLICY" },
  {
    type: "MFA_ENROLL",
    settings: {
      type: "AUTHENTICATORS",
      authenticators: [
        ...["okta_verify", "phone_number", "okta_email", "google_otp", "security_question", "webauthn"].map(
          (key) => ({ key, enroll: { self: "OPTIONAL" } }),
        ),
        { key: "okta_password", enroll: { self: "REQUIRED" } },
      ],
    },
  },
];

export class PolicyDirectory {
  readonly policies: PolicyRecord[] = [];

  constructor(
    private readonly ids: IdSource,
    private readonly clock: Clock,
  ) {
    for (const policy of DEFAULT_POLICIES)
      this.add({ ...policy, name: "Default Policy", status: "ACTIVE" }, true);
  }

  /** A new policy; names are unique within a type (Okta's E0000001 otherwise). */
  add(
    input: Pick<PolicyRecord, "type" | "name" | "description" | "status" | "settings" | "conditions">,
    system = false,
  ): PolicyRecord {
    this.refuseTakenName(input.type, input.name);
    const now = this.clock.now();
    const priority = this.policies.filter((p) => p.type === input.type).length + 1;
    const policy = { id: this.ids.okta("rst"), ...input, priority, system, created: now, lastUpdated: now };
    this.policies.push(policy);
    return policy;
  }

  /** Replaces a policy's name, description, settings and conditions (its type cannot change). */
  replace(
    policy: PolicyRecord,
    input: Pick<PolicyRecord, "type" | "name" | "description" | "settings" | "conditions">,
  ): void {
    if (input.type !== policy.type)
      throw validationFailed("type", [`type: the policy is ${policy.type}, not ${input.type}`]);
    this.refuseTakenName(policy.type, input.name, policy);
    Object.assign(policy, {
      name: input.name,
      description: input.description,
      settings: input.settings,
      conditions: input.conditions,
      lastUpdated: this.clock.now(),
    });
  }

  private refuseTakenName(type: PolicyRecord["type"], name: string, except?: PolicyRecord): void {
    if (this.policies.some((p) => p !== except && p.type === type && p.name === name))
      throw validationFailed("name", [`name: a ${type} policy named '${name}' exists`]);
  }

  /** The org's default policy of a type. */
  defaultOf(type: PolicyRecord["type"]): PolicyRecord | undefined {
    return this.policies.find((p) => p.type === type && p.system);
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

  /** Okta keeps an org's default policies: deleting one is refused (E0000001, the harness's choice). */
  remove(policy: PolicyRecord): void {
    if (policy.system)
      throw validationFailed("policy", [`${policy.name} is the org's default ${policy.type} policy`]);
    this.policies.splice(this.policies.indexOf(policy), 1);
  }
}
