import type { AuthenticatorKey } from "./authenticators.js";
import { OktaError, validationFailed } from "./errors.js";
import { FACTOR_TYPES, type FactorType } from "./model.js";

/**
 * Enrolling a factor (`POST /users/{id}/factors`): which providers each factor type takes, which
 * authenticator it enrolls against (it must be ACTIVE and allowed by the default authenticator
 * enrollment policy), what its profile must carry, and the status it starts in. Refusals carry
 * the causes Okta's own SDK tests read: "Invalid Provider." for a provider Okta does not have,
 * "Factor not enabled." for one the org does not allow.
 */
const OKTA_PROVIDERS = ["OKTA", "RSA", "FIDO", "GOOGLE", "SYMANTEC", "DUO", "YUBICO", "CUSTOM", "APPLE"];

const RULES: Record<FactorType, { providers: Partial<Record<string, AuthenticatorKey>>; active: boolean }> = {
  push: { providers: { OKTA: "okta_verify" }, active: false },
  "token:software:totp": { providers: { OKTA: "okta_verify", GOOGLE: "google_otp" }, active: false },
  sms: { providers: { OKTA: "phone_number" }, active: false },
  call: { providers: { OKTA: "phone_number" }, active: false },
  email: { providers: { OKTA: "okta_email" }, active: false },
  // A security question needs no activation: its answer is the proof.
  question: { providers: { OKTA: "security_question" }, active: true },
  webauthn: { providers: { FIDO: "webauthn" }, active: false },
};

export interface Enrollment {
  factorType: FactorType;
  provider: string;
  authenticator: AuthenticatorKey;
  status: "ACTIVE" | "PENDING_ACTIVATION";
  profile: Record<string, string>;
}

const notEnabled = () => validationFailed("factor", ["Factor not enabled."]);

/** The enrollment a body asks for, or the refusal Okta gives; `allowed` says whether the org allows an authenticator. */
export function parseEnrollment(
  body: Record<string, unknown>,
  allowed: (key: AuthenticatorKey) => boolean,
): Enrollment {
  const factorType = body.factorType as FactorType;
  if (!FACTOR_TYPES.includes(factorType))
    throw validationFailed("factorType", [
      `factorType: '${String(body.factorType)}' is not one of ${FACTOR_TYPES.join(", ")}`,
    ]);
  const provider = typeof body.provider === "string" ? body.provider : "OKTA";
  if (!OKTA_PROVIDERS.includes(provider)) throw new OktaError("E0000001", "provider", ["Invalid Provider."]);
  const authenticator = RULES[factorType].providers[provider];
  if (!authenticator || !allowed(authenticator)) throw notEnabled();
  const given = (body.profile ?? {}) as Record<string, unknown>;
  const text = (field: string, min = 1) => {
    const value = given[field];
    if (typeof value !== "string" || value.trim().length < min)
      throw validationFailed("profile", [
        `profile.${field}: ${min > 1 ? `at least ${min} characters are` : "a value is"} required`,
      ]);
    return value;
  };
  let profile: Record<string, string> = {};
  if (factorType === "sms" || factorType === "call") profile = { phoneNumber: text("phoneNumber") };
  if (factorType === "question") {
    // Okta keeps the answer to itself; it must be at least 4 characters.
    text("answer", 4);
    const question = text("question");
    profile = { question, questionText: question };
  }
  if (factorType === "email") profile = { email: text("email") };
  return {
    factorType,
    provider,
    authenticator,
    status: RULES[factorType].active ? "ACTIVE" : "PENDING_ACTIVATION",
    profile,
  };
}
