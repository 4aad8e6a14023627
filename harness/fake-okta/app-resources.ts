import type { AppCsr, AppKey } from "./app-keys.js";

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

/** Looks an item up by id, or throws what `missing` builds (Okta's 404). */
export function byId<T extends { id: string }>(items: readonly T[], id: string, missing: () => Error): T {
  const item = items.find((i) => i.id === id);
  if (!item) throw missing();
  return item;
}

/** Removes an item by id, or throws what `missing` builds. */
export function removeById<T extends { id: string }>(items: T[], id: string, missing: () => Error): void {
  items.splice(items.indexOf(byId(items, id, missing)), 1);
}
