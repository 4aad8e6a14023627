import type { AppCsr, AppKey } from "./app-keys.js";
import { notFound } from "./errors.js";

/**
 * What an app carries besides its assignments, as Okta's SDK tests use it: signing keys and
 * CSRs, OAuth 2.0 scope consent grants, federated claims, the app user schema's custom
 * properties, the default provisioning connection and the access policy assigned to it.
 * Kept per app and dropped with the app.
 */
export interface ScopeGrant {
  id: string;
  issuer: string;
  scopeId: string;
  created: number;
}

export interface FederatedClaim {
  id: string;
  name: string;
  expression: string;
  created: number;
  lastUpdated: number;
}

export class AppResources {
  readonly keys: AppKey[] = [];
  readonly csrs: AppCsr[] = [];
  readonly grants: ScopeGrant[] = [];
  readonly claims: FederatedClaim[] = [];
  /** Custom properties of the app user schema, by name (Okta's `definitions.custom.properties`). */
  readonly customProperties = new Map<string, Record<string, unknown>>();
  /** The default provisioning connection: DISABLED until a credential is verified. */
  connectionStatus: "ENABLED" | "DISABLED" = "DISABLED";
  policyId?: string;
}

/** An item by id, or Okta's 404 naming it as a `kind`. */
export function byId<T extends { id: string }>(items: readonly T[], id: string, kind: string): T {
  const item = items.find((i) => i.id === id);
  if (!item) throw notFound(id, kind);
  return item;
}

/** Removes an item by id, or throws Okta's 404 naming it as a `kind`. */
export function removeById<T extends { id: string }>(items: T[], id: string, kind: string): void {
  items.splice(items.indexOf(byId(items, id, kind)), 1);
}
