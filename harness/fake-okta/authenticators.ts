import type { Clock } from "../shared/clock.js";
import { notFound } from "./errors.js";
import type { IdSource } from "./ids.js";

/**
 * The org's authenticators (Okta Identity Engine): what a factor enrolls against. Keys, types and
 * names are the spec's (`AuthenticatorKeyEnum`, `AuthenticatorType`); the security question starts
 * INACTIVE, as Okta's SDK tests expect of a new org (they activate it first).
 */
export const AUTHENTICATOR_KINDS = [
  { key: "okta_password", type: "password", name: "Password", active: true },
  { key: "okta_email", type: "email", name: "Email", active: true },
  { key: "okta_verify", type: "app", name: "Okta Verify", active: true },
  { key: "phone_number", type: "phone", name: "Phone", active: true },
  { key: "google_otp", type: "app", name: "Google Authenticator", active: true },
  { key: "security_question", type: "security_question", name: "Security Question", active: false },
  { key: "webauthn", type: "security_key", name: "Security Key or Biometric", active: true },
] as const;

export type AuthenticatorKey = (typeof AUTHENTICATOR_KINDS)[number]["key"];

export interface AuthenticatorRecord {
  id: string;
  key: AuthenticatorKey;
  type: string;
  name: string;
  status: "ACTIVE" | "INACTIVE";
  created: number;
  lastUpdated: number;
}

export class AuthenticatorDirectory {
  readonly authenticators: AuthenticatorRecord[];

  constructor(
    ids: IdSource,
    private readonly clock: Clock,
  ) {
    const now = clock.now();
    this.authenticators = AUTHENTICATOR_KINDS.map(({ key, type, name, active }) => ({
      id: ids.okta("aut"),
      key,
      type,
      name,
      status: active ? "ACTIVE" : "INACTIVE",
      created: now,
      lastUpdated: now,
    }));
  }

  get(id: string): AuthenticatorRecord {
    const authenticator = this.authenticators.find((a) => a.id === id);
    if (!authenticator) throw notFound(id, "Authenticator");
    return authenticator;
  }

  byKey(key: AuthenticatorKey): AuthenticatorRecord {
    return this.authenticators.find((a) => a.key === key) as AuthenticatorRecord;
  }

  setStatus(authenticator: AuthenticatorRecord, status: AuthenticatorRecord["status"]): void {
    if (authenticator.status === status) return;
    authenticator.status = status;
    authenticator.lastUpdated = this.clock.now();
  }
}
