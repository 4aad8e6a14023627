import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { testApp } from "../harness/fake-okta/test-helpers.js";

/**
 * The fake's users, groups, roles, logs and errors validate against Okta's official OpenAPI
 * schemas (extracted by scripts/extract-okta-schemas.mjs). Preprocessing follows okta-api.md §4:
 * examples stripped, roles resolved to StandardRole by hand, nulls allowed inside log events.
 */
const spec = JSON.parse(readFileSync(new URL("./okta-schemas.json", import.meta.url), "utf8")) as {
  /** The schemas scripts/extract-okta-schemas.mjs was asked for; the rest are what they reference. */
  roots: string[];
  schemas: Record<string, unknown>;
};

/** LogEvent fields are null in real responses though the spec does not say `nullable`. */
function allowNulls(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowNulls);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = allowNulls(value);
  if ("type" in out) return { ...out, nullable: true };
  if ("$ref" in out || "allOf" in out) return { anyOf: [{ type: "null" }, out] };
  return out;
}

/** OpenAPI 3.0's `nullable` beside a `$ref` (no `type`), which ajv refuses, as JSON Schema says it. */
function nullableWithoutType(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableWithoutType);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = nullableWithoutType(value);
  if (out.nullable !== undefined && !("type" in out)) {
    const { nullable, ...rest } = out;
    return nullable === true ? { anyOf: [{ type: "null" }, rest] } : rest;
  }
  return out;
}

let validators: Record<string, ValidateFunction>;

beforeAll(() => {
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(spec.schemas)) {
    schemas[name] = name.startsWith("Log") ? allowNulls(schema) : nullableWithoutType(schema);
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat("ISO 8601 compliant timestamp", true);
  ajv.addFormat("Opaque token", true);
  ajv.addSchema({ $id: "okta", components: { schemas } });
  const compile = (name: string) => ajv.compile({ $ref: `okta#/components/schemas/${name}` });
  validators = Object.fromEntries(spec.roots.map((n) => [n, compile(n)]));
});

function expectValid(schema: string, value: unknown) {
  const validate = validators[schema];
  if (!validate) throw new Error(`no validator ${schema}`);
  const ok = validate(value);
  expect(ok ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
}

describe("responses validate against Okta's OpenAPI spec", () => {
  const fixture = { seed: 7, generate: { users: 60, logs: 80 } };

  it("users in every status", async () => {
    const { call } = testApp(fixture);
    const users = (await call("GET", "/api/v1/users?search=status pr&limit=200")).body as {
      status: string;
    }[];
    expect(new Set(users.map((u) => u.status)).size).toBeGreaterThanOrEqual(5);
    for (const user of users) expectValid("User", user);
  });

  it("a user in a state the fake cannot validate is caught (the validator bites)", () => {
    expectValid("User", { id: "00u1", status: "ACTIVE", profile: { login: "a@b.co" } });
    expect(validators.User?.({ id: "00u1", status: "SLEEPING", profile: {} })).toBe(false);
    expect(validators.User?.({ id: "00u1", status: "ACTIVE", created: 5, profile: {} })).toBe(false);
    expect(validators.Error?.({ errorCode: 47, errorCauses: "none" })).toBe(false);
  });

  it("groups, roles and log events", async () => {
    const { call } = testApp(fixture);
    for (const group of (await call("GET", "/api/v1/groups")).body as unknown[]) expectValid("Group", group);
    const admins = (await call("GET", "/api/v1/users?limit=200")).body as { id: string }[];
    let roles = 0;
    for (const user of admins) {
      for (const role of (await call("GET", `/api/v1/users/${user.id}/roles`)).body as unknown[]) {
        expectValid("StandardRole", role);
        roles++;
      }
    }
    expect(roles).toBeGreaterThan(0);
    const logs = (await call("GET", "/api/v1/logs?limit=50")).body as unknown[];
    expect(logs.length).toBe(50);
    for (const event of logs) expectValid("LogEvent", event);
  });

  it("error bodies and lifecycle tokens", async () => {
    const { call } = testApp(fixture);
    expectValid("Error", (await call("GET", "/api/v1/users/00unknown")).body);
    expectValid("Error", (await call("GET", "/api/v1/users?filter=status eqq 1")).body);
    const staged = (await call("GET", '/api/v1/users?filter=status eq "STAGED"')).body as { id: string }[];
    const first = staged[0];
    if (!first) throw new Error("seed 7 has no STAGED user");
    const activation = await call("POST", `/api/v1/users/${first.id}/lifecycle/activate?sendEmail=false`);
    expect(activation.status).toBe(200);
    expectValid("UserActivationToken", activation.body);
    const active = (await call("GET", '/api/v1/users?filter=status eq "ACTIVE"&limit=1')).body as {
      id: string;
    }[];
    const reset = await call(
      "POST",
      `/api/v1/users/${active[0]?.id}/lifecycle/reset_password?sendEmail=false`,
    );
    expectValid("ResetPasswordToken", reset.body);
  });

  it("factors, app users, app groups and temporary passwords", async () => {
    const { call, state } = testApp(fixture);
    let factors = 0;
    for (const user of state.org.users.slice(0, 20)) {
      for (const factor of (await call("GET", `/api/v1/users/${user.id}/factors`)).body as unknown[]) {
        expectValid("UserFactor", factor);
        factors++;
      }
    }
    expect(factors).toBeGreaterThan(0);
    let assignments = 0;
    for (const app of state.org.apps.apps) {
      for (const appUser of (await call("GET", `/api/v1/apps/${app.id}/users`)).body as unknown[]) {
        expectValid("AppUser", appUser);
        assignments++;
      }
      for (const appGroup of (await call("GET", `/api/v1/apps/${app.id}/groups`)).body as unknown[])
        expectValid("ApplicationGroupAssignment", appGroup);
    }
    expect(assignments).toBeGreaterThan(0);
    const active = state.org.users.find((u) => u.status === "ACTIVE");
    const temp = await call(
      "POST",
      `/api/v1/users/${active?.id}/lifecycle/expire_password_with_temp_password`,
    );
    expectValid("TempPassword", temp.body);
  });

  it("custom apps as created: bookmark, basic auth, SWA", async () => {
    const { call } = testApp(fixture);
    const bodies = [
      [
        "BookmarkApplication",
        {
          name: "bookmark",
          label: "B",
          signOnMode: "BOOKMARK",
          settings: { app: { url: "https://example.com/b" } },
        },
      ],
      [
        "BasicAuthApplication",
        {
          name: "template_basic_auth",
          label: "BA",
          signOnMode: "BASIC_AUTH",
          settings: { app: { url: "https://example.com/login", authURL: "https://example.com/auth" } },
        },
      ],
      [
        "BrowserPluginApplication",
        {
          name: "template_swa",
          label: "SWA",
          signOnMode: "BROWSER_PLUGIN",
          settings: {
            app: { buttonField: "b", passwordField: "p", usernameField: "u", url: "https://example.com/l" },
          },
        },
      ],
      [
        "SecurePasswordStoreApplication",
        {
          name: "template_sps",
          label: "SPS",
          signOnMode: "SECURE_PASSWORD_STORE",
          settings: { app: { url: "https://example.com/l", passwordField: "#p", usernameField: "#u" } },
        },
      ],
      [
        "AutoLoginApplication",
        {
          label: "Custom SWA",
          signOnMode: "AUTO_LOGIN",
          settings: { signOn: { loginUrl: "https://example.com/login" } },
        },
      ],
      [
        "SamlApplication",
        {
          label: "Custom SAML",
          signOnMode: "SAML_2_0",
          settings: {
            signOn: {
              allowMultipleAcsEndpoints: false,
              assertionSigned: true,
              honorForceAuthn: true,
              requestCompressed: false,
              responseSigned: true,
              ssoAcsUrl: "https://example.com/acs",
            },
          },
        },
      ],
      [
        "OpenIdConnectApplication",
        {
          name: "oidc_client",
          label: "OIDC",
          signOnMode: "OPENID_CONNECT",
          credentials: { oauthClient: { token_endpoint_auth_method: "client_secret_post" } },
          settings: {
            oauthClient: {
              grant_types: ["authorization_code"],
              redirect_uris: ["https://example.com/cb"],
              response_types: ["code"],
            },
          },
        },
      ],
    ] as const;
    for (const [schema, body] of bodies) {
      const created = await call("POST", "/api/v1/apps", body);
      expect(created.status).toBe(200);
      expectValid(schema, created.body);
    }
  });

  it("an app's keys, CSRs, grants, claims, provisioning connection and policies", async () => {
    const { call } = testApp(fixture);
    const saml = (await call("GET", '/api/v1/apps?filter=name eq "okta_org2org"')).body as unknown[];
    expect(saml).toEqual([]);
    const org2org = (
      await call("POST", "/api/v1/apps", {
        name: "okta_org2org",
        label: "Org2Org",
        signOnMode: "SAML_2_0",
        settings: {},
      })
    ).body as { id: string };
    const base = `/api/v1/apps/${org2org.id}`;
    for (const key of (await call("GET", `${base}/credentials/keys`)).body as unknown[])
      expectValid("JsonWebKey", key);
    expectValid("JsonWebKey", (await call("POST", `${base}/credentials/keys/generate?validityYears=2`)).body);
    const csr = await call("POST", `${base}/credentials/csrs`, { subject: { commonName: "SP" } });
    expectValid("Csr", csr.body);
    const grant = await call("POST", `${base}/grants`, {
      issuer: "https://acme.okta.test",
      scopeId: "okta.users.read",
    });
    expectValid("OAuth2ScopeConsentGrant", grant.body);
    expectValid(
      "FederatedClaim",
      (await call("POST", `${base}/federated-claims`, { name: "c", expression: "1" })).body,
    );
    expectValid("ProvisioningConnectionResponse", (await call("GET", `${base}/connections/default`)).body);
    const policy = await call("POST", "/api/v1/policies", { type: "ACCESS_POLICY", name: "Apps" });
    expectValid("Policy", policy.body);
  });

  it("the new validators bite: a factor type or an assignment scope Okta does not have fails", () => {
    expect(validators.UserFactor?.({ factorType: "carrier_pigeon" })).toBe(false);
    expect(validators.AppUser?.({ id: "00u1", scope: "EVERYONE" })).toBe(false);
  });
});
