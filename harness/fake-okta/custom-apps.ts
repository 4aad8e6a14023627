import { z } from "zod";
import type { CustomSignOnMode } from "./apps.js";
import { OktaError } from "./errors.js";

/**
 * The apps `POST /api/v1/apps` creates, checked against Okta's `Application` schemas: Bookmark,
 * BasicAuth, BrowserPlugin (SWA and 3-field SWA), SecurePasswordStore, AutoLogin (custom SWA),
 * Saml (custom SAML 2.0, and the Org2Org integration), OpenIdConnect. Each variant states the
 * `name` the spec gives it and the settings the spec requires. WS-Federation and other catalogue
 * integrations are refused: that is the harness's choice (Okta serves them), named in the error.
 */
const label = z.string().min(1).max(100);
const url = z.string().min(1);
const common = { label, credentials: z.record(z.string(), z.unknown()).optional() };

/** A variant with a fixed `name` (the spec's `x-okta-defined-as`). */
const named = <N extends string, S extends z.ZodType>(name: N, settings: S) =>
  z.looseObject({ ...common, name: z.literal(name), settings });

/** Custom SWA and custom SAML apps: Okta generates the `name` (readOnly), echoed back on replace. */
const generated = <S extends z.ZodType>(settings: S) =>
  z.looseObject({ ...common, name: z.string().optional(), settings });

const SCHEMAS: Record<CustomSignOnMode, z.ZodType<{ name?: string; label: string; settings: unknown }>> = {
  BOOKMARK: named(
    "bookmark",
    z.looseObject({ app: z.looseObject({ url, requestIntegration: z.boolean().optional() }) }),
  ),
  BASIC_AUTH: named("template_basic_auth", z.looseObject({ app: z.looseObject({ url, authURL: url }) })),
  BROWSER_PLUGIN: z.union([
    named(
      "template_swa",
      z.looseObject({
        app: z.looseObject({ url, buttonField: url, passwordField: url, usernameField: url }),
      }),
    ),
    named(
      "template_swa3field",
      z.looseObject({
        app: z.looseObject({
          targetURL: url,
          buttonSelector: url,
          passwordSelector: url,
          userNameSelector: url,
        }),
      }),
    ),
  ]),
  SECURE_PASSWORD_STORE: named(
    "template_sps",
    z.looseObject({ app: z.looseObject({ url, passwordField: url, usernameField: url }) }),
  ),
  AUTO_LOGIN: generated(
    z.looseObject({ signOn: z.looseObject({ loginUrl: url, redirectUrl: z.string().optional() }) }),
  ),
  SAML_2_0: z.union([
    // Org2Org: the spec requires only `settings` (Okta's SDK serializes it empty).
    named("okta_org2org", z.looseObject({ app: z.looseObject({ baseUrl: url.optional() }).optional() })),
    generated(
      z.looseObject({
        signOn: z.looseObject({
          allowMultipleAcsEndpoints: z.boolean(),
          assertionSigned: z.boolean(),
          honorForceAuthn: z.boolean(),
          requestCompressed: z.boolean(),
          responseSigned: z.boolean(),
        }),
      }),
    ),
  ]),
  OPENID_CONNECT: named(
    "oidc_client",
    z
      .looseObject({
        oauthClient: z.looseObject({
          grant_types: z.array(z.string()).min(1),
          redirect_uris: z.array(z.string()).nullish(),
          response_types: z.array(z.string()).nullish(),
          application_type: z.enum(["web", "native", "browser", "service"]).optional(),
        }),
      })
      // The spec's redirect_uris note: needed unless the client uses the password or client
      // credentials flow.
      .refine(
        ({ oauthClient: c }) =>
          c.grant_types.some((g) => g === "password" || g === "client_credentials") ||
          ((c.redirect_uris?.length ?? 0) > 0 && (c.response_types?.length ?? 0) > 0),
        {
          path: ["oauthClient", "redirect_uris"],
          message: "at least one redirect URI and response type are required for this grant type",
        },
      ),
  ),
};

export interface CustomApp {
  /** Undefined where Okta generates it (custom SWA and custom SAML). */
  name?: string;
  label: string;
  signOnMode: CustomSignOnMode;
  settings: Record<string, unknown>;
  credentials: Record<string, unknown>;
}

const SERVED = Object.keys(SCHEMAS);

/** The body of a create (or replace), or Okta's E0000001 naming each field at fault. */
export function parseCustomApp(body: unknown): CustomApp {
  const mode = (body as { signOnMode?: unknown } | null)?.signOnMode;
  if (typeof mode !== "string" || !SERVED.includes(mode))
    throw new OktaError("E0000001", "signOnMode", [
      `signOnMode: the harness creates ${SERVED.join(", ")} apps, not ${String(mode)}`,
    ]);
  const signOnMode = mode as CustomSignOnMode;
  const parsed = SCHEMAS[signOnMode].safeParse(body);
  if (!parsed.success) {
    const causes = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
    throw new OktaError("E0000001", parsed.error.issues[0]?.path.join(".") || "body", causes);
  }
  const app = parsed.data as CustomApp;
  return {
    name: app.name,
    label: app.label,
    signOnMode,
    settings: normalizeSettings(app.settings),
    credentials: app.credentials ?? {},
  };
}

/** Okta answers an empty `defaultRelayState` as null (the SDK's custom SAML test reads it back). */
function normalizeSettings(settings: Record<string, unknown>): Record<string, unknown> {
  const signOn = settings.signOn as Record<string, unknown> | undefined;
  if (signOn?.defaultRelayState !== "") return settings;
  return { ...settings, signOn: { ...signOn, defaultRelayState: null } };
}

/** A generated app name: the label's letters and digits, lower case, then `_n` (unique). */
export function generatedName(label: string, taken: (name: string) => boolean): string {
  const stem = label.toLowerCase().replace(/[^a-z0-9]/g, "") || "app";
  for (let n = 1; ; n++) if (!taken(`${stem}_${n}`)) return `${stem}_${n}`;
}

/** Okta's secret-bearing OIDC auth methods: a `client_secret` is generated for these. */
const SECRET_METHODS = ["client_secret_basic", "client_secret_post", "client_secret_jwt"];

/**
 * The credentials Okta fills in on create: a user name template for every app, and for an OIDC
 * client its `client_id` (the app's id, per the spec), `autoKeyRotation` and, for methods that
 * need one, a generated `client_secret`. What the body gave wins.
 */
export function initialCredentials(
  app: CustomApp,
  appId: string,
  secret: () => string,
): Record<string, unknown> {
  if (app.signOnMode === "OPENID_CONNECT") {
    const given = (app.credentials.oauthClient ?? {}) as Record<string, unknown>;
    const method = (given.token_endpoint_auth_method as string | undefined) ?? "client_secret_basic";
    return {
      ...app.credentials,
      oauthClient: {
        autoKeyRotation: true,
        client_id: appId,
        ...(SECRET_METHODS.includes(method) ? { client_secret: secret() } : {}),
        token_endpoint_auth_method: method,
        ...given,
      },
    };
  }
  return {
    // Okta's default for a new app (the spec's BookmarkAppResponseEx), unless the body gave its own.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Okta's expression language, not JavaScript's
    userNameTemplate: { template: "${source.email}", type: "BUILT_IN" },
    ...app.credentials,
  };
}
