import { z } from "zod";
import type { CustomSignOnMode } from "./apps.js";
import { OktaError } from "./errors.js";

/**
 * The custom apps `POST /api/v1/apps` creates, checked against Okta's `Application` schemas
 * (BookmarkApplication, BasicAuthApplication, BrowserPluginApplication: `name`, `label`,
 * `signOnMode` and the settings each requires). Other sign-on modes are refused: that is the
 * harness's choice (Okta serves them), named in the error.
 */
const label = z.string().min(1).max(100);
const url = z.string().min(1);
const common = { label, credentials: z.record(z.string(), z.unknown()).optional() };

const CustomAppSchema = z.discriminatedUnion("name", [
  z.looseObject({
    ...common,
    signOnMode: z.literal("BOOKMARK"),
    name: z.literal("bookmark"),
    settings: z.looseObject({
      app: z.looseObject({ url, requestIntegration: z.boolean().optional() }),
    }),
  }),
  z.looseObject({
    ...common,
    signOnMode: z.literal("BASIC_AUTH"),
    name: z.literal("template_basic_auth"),
    settings: z.looseObject({ app: z.looseObject({ url, authURL: url }) }),
  }),
  z.looseObject({
    ...common,
    signOnMode: z.literal("BROWSER_PLUGIN"),
    name: z.literal("template_swa"),
    settings: z.looseObject({
      app: z.looseObject({ url, buttonField: url, passwordField: url, usernameField: url }),
    }),
  }),
  z.looseObject({
    ...common,
    signOnMode: z.literal("BROWSER_PLUGIN"),
    name: z.literal("template_swa3field"),
    settings: z.looseObject({
      app: z.looseObject({
        targetURL: url,
        buttonSelector: url,
        passwordSelector: url,
        userNameSelector: url,
      }),
    }),
  }),
]);

export interface CustomApp {
  name: string;
  label: string;
  signOnMode: CustomSignOnMode;
  settings: Record<string, unknown>;
  credentials: Record<string, unknown>;
}

const SERVED = ["BOOKMARK", "BASIC_AUTH", "BROWSER_PLUGIN"];

/** The body of a create, or Okta's E0000001 naming each field at fault. */
export function parseCustomApp(body: unknown): CustomApp {
  const mode = (body as { signOnMode?: unknown } | null)?.signOnMode;
  if (typeof mode === "string" && !SERVED.includes(mode))
    throw new OktaError("E0000001", "signOnMode", [
      `signOnMode: the harness creates ${SERVED.join(", ")} apps, not ${mode}`,
    ]);
  const parsed = CustomAppSchema.safeParse(body);
  if (!parsed.success) {
    const causes = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
    throw new OktaError("E0000001", parsed.error.issues[0]?.path.join(".") ?? "body", causes);
  }
  const app = parsed.data;
  return {
    name: app.name,
    label: app.label,
    signOnMode: app.signOnMode,
    settings: app.settings,
    credentials: {
      // Okta's default for a new app (the spec's BookmarkAppResponseEx), unless the body gave its own.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Okta's expression language, not JavaScript's
      userNameTemplate: { template: "${source.email}", type: "BUILT_IN" },
      signing: {},
      ...app.credentials,
    },
  };
}
