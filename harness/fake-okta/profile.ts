import { z } from "zod";
import { OktaError, validationFailed } from "./errors.js";
import type { UserProfile } from "./model.js";

/** Okta's base user profile attributes; fixtures may add custom ones to an org's schema. */
export const BASE_PROFILE_ATTRIBUTES = [
  "login",
  "email",
  "secondEmail",
  "firstName",
  "lastName",
  "middleName",
  "honorificPrefix",
  "honorificSuffix",
  "title",
  "displayName",
  "nickName",
  "profileUrl",
  "primaryPhone",
  "mobilePhone",
  "streetAddress",
  "city",
  "state",
  "zipCode",
  "postalAddress",
  "countryCode",
  "preferredLanguage",
  "locale",
  "timezone",
  "userType",
  "employeeNumber",
  "costCenter",
  "organization",
  "division",
  "department",
  "managerId",
  "manager",
] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ProfileValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

/**
 * Checks a profile the way Okta's create and update do: required fields present and well-formed,
 * no attribute outside the schema. Every problem becomes one `errorCauses` entry.
 */
export function validateProfile(input: unknown, schema: ReadonlySet<string>, operation: string): UserProfile {
  const parsed = z.record(z.string(), ProfileValue).safeParse(input);
  if (!parsed.success) throw validationFailed(operation, ["profile: must be an object of attribute values"]);
  const profile = parsed.data;
  const causes: string[] = [];
  for (const field of ["login", "email", "firstName", "lastName"]) {
    const value = profile[field];
    if (value === undefined || value === null || value === "")
      causes.push(`${field}: The field cannot be left blank`);
    else if (typeof value !== "string") causes.push(`${field}: must be a string`);
  }
  if (typeof profile.login === "string" && profile.login !== "" && !EMAIL.test(profile.login)) {
    causes.push("login: Username must be in the form of an email address");
  }
  if (typeof profile.email === "string" && profile.email !== "" && !EMAIL.test(profile.email)) {
    causes.push("email: Does not match required pattern");
  }
  for (const attribute of Object.keys(profile)) {
    if (!schema.has(attribute))
      causes.push(`${attribute}: Property name '${attribute}' is not defined in profile`);
  }
  if (causes.length > 0) throw new OktaError("E0000001", causes[0]?.split(":")[0] ?? operation, causes);
  return profile as UserProfile;
}
