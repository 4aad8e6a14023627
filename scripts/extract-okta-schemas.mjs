#!/usr/bin/env node
// Extracts the response schemas the fake Okta must honour from Okta's official Management OpenAPI
// spec (Apache-2.0) into test/okta-schemas.json, so the spec test needs neither the 3.4 MB spec nor
// network. Examples are stripped: their `$ref`s point nowhere (see okta-api.md section 4).
// Usage: node scripts/extract-okta-schemas.mjs ../shared/reference/okta-management-minimal.yaml
import { readFileSync, writeFileSync } from "node:fs";
import { parse } from "yaml";

const ROOTS = [
  "User",
  "Group",
  "StandardRole",
  "LogEvent",
  "Error",
  "UserActivationToken",
  "ResetPasswordToken",
  "UserFactor",
  "AppUser",
  "ApplicationGroupAssignment",
  "TempPassword",
  "BookmarkApplication",
  "BasicAuthApplication",
  "BrowserPluginApplication",
  "SecurePasswordStoreApplication",
  "AutoLoginApplication",
  "SamlApplication",
  "OpenIdConnectApplication",
  "JsonWebKey",
  "Csr",
  "OAuth2ScopeConsentGrant",
  "FederatedClaim",
  "ProvisioningConnectionResponse",
  "Policy",
];
const specPath = process.argv[2] ?? "../shared/reference/okta-management-minimal.yaml";
const spec = parse(readFileSync(specPath, "utf8"), { maxAliasCount: -1 });
const all = spec.components.schemas;
const picked = {};

function strip(node) {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "example" || key === "examples") continue;
    if (key === "$ref" && typeof value === "string" && value.startsWith("#/components/schemas/"))
      visit(value.slice(21));
    out[key] = strip(value);
  }
  return out;
}

function visit(name) {
  if (name in picked) return;
  if (!(name in all)) throw new Error(`schema ${name} not in the spec`);
  picked[name] = null; // mark before recursing: the schemas are cyclic
  picked[name] = strip(all[name]);
}

for (const root of ROOTS) visit(root);
const out = {
  source: "okta/okta-management-openapi-spec management-minimal.yaml",
  version: spec.info.version,
  license: spec.info.license?.name,
  roots: ROOTS,
  schemas: picked,
};
writeFileSync("test/okta-schemas.json", `${JSON.stringify(out, null, 1)}\n`);
console.log(`wrote test/okta-schemas.json: ${Object.keys(picked).length} schemas from ${spec.info.version}`);
