import type { FastifyInstance, FastifyRequest } from "fastify";
import { iso } from "../../shared/clock.js";
import { byId, type FederatedClaim, removeById, type ScopeGrant } from "../app-resources.js";
import { notFound, OktaError, validationFailed } from "../errors.js";
import { objectBody, originOf, textField } from "../http.js";
import type { ServerState } from "../state.js";

/**
 * What an app integrates with, as Okta's SDK tests drive it: OAuth 2.0 scope consent grants,
 * the app's OAuth 2.0 tokens, federated claims, features, the default provisioning connection,
 * the app user schema, the logo and the access policy. Where Okta would reach out to another
 * system (verifying a provisioning credential), the fake cannot — it talks to 127.0.0.1 only — and
 * answers as Okta does when that system is unreachable.
 */
export function appIntegrationRoutes(app: FastifyInstance, state: ServerState): void {
  const apps = () => state.org.apps;
  type AppRequest = FastifyRequest<{ Params: { id: string } }>;
  const resourcesOf = (request: AppRequest) => apps().resources(apps().get(request.params.id));
  const now = () => state.clock.now();
  // ---- OAuth 2.0 scope consent grants (OAuth2ScopeConsentGrant) ----
  const grantJson = (grant: ScopeGrant, request: AppRequest) => {
    const application = apps().get(request.params.id);
    return {
      id: grant.id,
      issuer: grant.issuer,
      scopeId: grant.scopeId,
      clientId: application.id,
      source: "ADMIN",
      status: "ACTIVE",
      created: iso(grant.created),
      lastUpdated: iso(grant.created),
      createdBy: { id: "00u-admin-token", type: "User" },
      _links: { app: { href: `${originOf(request)}/api/v1/apps/${application.id}` } },
    };
  };

  app.get<{ Params: { id: string } }>("/api/v1/apps/:id/grants", async (request) =>
    resourcesOf(request).grants.map((g) => grantJson(g, request)),
  );
  // Okta's management scopes are `okta.*`; a grant names one and the issuer (the org's URL).
  app.post<{ Params: { id: string } }>("/api/v1/apps/:id/grants", async (request, reply) => {
    const resources = resourcesOf(request);
    const body = objectBody(request, ["issuer", "scopeId"], "oAuth2ScopeConsentGrant");
    const issuer = textField(body.issuer, "issuer");
    const scopeId = textField(body.scopeId, "scopeId", 100);
    if (!/^okta\.[a-zA-Z]+(\.[a-zA-Z]+)*$/.test(scopeId))
      throw validationFailed("scopeId", [`scopeId: '${scopeId}' is not an Okta scope (okta.*)`]);
    const existing = resources.grants.find((g) => g.scopeId === scopeId && g.issuer === issuer);
    if (existing) return reply.code(201).send(grantJson(existing, request));
    const grant = { id: apps().newId("oag"), issuer, scopeId, created: now() };
    resources.grants.push(grant);
    return reply.code(201).send(grantJson(grant, request));
  });
  app.get<{ Params: { id: string; grantId: string } }>("/api/v1/apps/:id/grants/:grantId", async (request) =>
    grantJson(byId(resourcesOf(request).grants, request.params.grantId, "OAuth2ScopeConsentGrant"), request),
  );
  app.delete<{ Params: { id: string; grantId: string } }>(
    "/api/v1/apps/:id/grants/:grantId",
    async (request, reply) => {
      removeById(resourcesOf(request).grants, request.params.grantId, "OAuth2ScopeConsentGrant");
      return reply.code(204).send();
    },
  );

  // ---- OAuth 2.0 tokens: nobody signs in to the fake, so an app has none ----
  app.get<{ Params: { id: string } }>("/api/v1/apps/:id/tokens", async (request) => {
    apps().get(request.params.id);
    return [];
  });
  app.delete<{ Params: { id: string } }>("/api/v1/apps/:id/tokens", async (request, reply) => {
    apps().get(request.params.id);
    return reply.code(204).send();
  });
  for (const method of ["GET", "DELETE"] as const)
    app.route<{ Params: { id: string; tokenId: string } }>({
      method,
      url: "/api/v1/apps/:id/tokens/:tokenId",
      handler: async (request) => {
        apps().get(request.params.id);
        throw notFound(request.params.tokenId, "OAuth2Token");
      },
    });

  // ---- federated claims (FederatedClaim) ----
  const claimJson = (claim: FederatedClaim) => ({
    id: claim.id,
    name: claim.name,
    expression: claim.expression,
    created: iso(claim.created),
    lastUpdated: iso(claim.lastUpdated),
  });
  const claimBody = (request: FastifyRequest) => {
    const body = objectBody(
      request,
      ["id", "name", "expression", "created", "lastUpdated"],
      "federatedClaim",
    );
    return { name: textField(body.name, "name", 100), expression: textField(body.expression, "expression") };
  };

  app.get<{ Params: { id: string } }>("/api/v1/apps/:id/federated-claims", async (request) =>
    resourcesOf(request).claims.map(claimJson),
  );
  app.post<{ Params: { id: string } }>("/api/v1/apps/:id/federated-claims", async (request, reply) => {
    const resources = resourcesOf(request);
    const { name, expression } = claimBody(request);
    if (resources.claims.some((c) => c.name === name))
      throw validationFailed("name", [`name: a claim named '${name}' exists`]);
    const claim = { id: apps().newId("ofc"), name, expression, created: now(), lastUpdated: now() };
    resources.claims.push(claim);
    return reply.code(201).send(claimJson(claim));
  });
  app.get<{ Params: { id: string; claimId: string } }>(
    "/api/v1/apps/:id/federated-claims/:claimId",
    async (request) => claimJson(byId(resourcesOf(request).claims, request.params.claimId, "FederatedClaim")),
  );
  app.put<{ Params: { id: string; claimId: string } }>(
    "/api/v1/apps/:id/federated-claims/:claimId",
    async (request) => {
      const claim = byId(resourcesOf(request).claims, request.params.claimId, "FederatedClaim");
      Object.assign(claim, claimBody(request), { lastUpdated: now() });
      return claimJson(claim);
    },
  );
  app.delete<{ Params: { id: string; claimId: string } }>(
    "/api/v1/apps/:id/federated-claims/:claimId",
    async (request, reply) => {
      removeById(resourcesOf(request).claims, request.params.claimId, "FederatedClaim");
      return reply.code(204).send();
    },
  );

  // ---- features and the default provisioning connection ----
  // Features exist once provisioning is enabled; no connection in the fake is ever verified.
  app.get<{ Params: { id: string } }>("/api/v1/apps/:id/features", async (request) => {
    apps().get(request.params.id);
    return [];
  });
  for (const method of ["GET", "PUT"] as const)
    app.route<{ Params: { id: string; name: string } }>({
      method,
      url: "/api/v1/apps/:id/features/:name",
      handler: async (request) => {
        apps().get(request.params.id);
        throw notFound(request.params.name, "ApplicationFeature");
      },
    });

  /** Provisioning connections belong to integrations that provision (here: Org2Org). */
  const provisioned = (request: AppRequest) => {
    const application = apps().get(request.params.id);
    if (application.name !== "okta_org2org")
      throw validationFailed("provisioning", [`${application.label} does not support provisioning`]);
    return apps().resources(application);
  };
  const connectionJson = (request: AppRequest) => ({
    authScheme: "TOKEN",
    profile: { authScheme: "TOKEN" },
    status: provisioned(request).connectionStatus,
    _links: {
      activate: {
        href: `${originOf(request)}/api/v1/apps/${request.params.id}/connections/default/lifecycle/activate`,
      },
    },
  });
  // Okta verifies a credential against the provisioned org before saving it; from 127.0.0.1 no
  // org is reachable, and Okta's answer for an unreachable one is this.
  const unverified = () =>
    new OktaError("E0000001", "credential", ["Verification failed: Invalid URL. Not authorized."]);

  app.get<{ Params: { id: string } }>("/api/v1/apps/:id/connections/default", async (request) =>
    connectionJson(request),
  );
  app.post<{ Params: { id: string } }>("/api/v1/apps/:id/connections/default", async (request) => {
    provisioned(request);
    const body = objectBody(request, ["profile", "baseUrl"], "provisioningConnection");
    const scheme = (body.profile as { authScheme?: unknown } | undefined)?.authScheme;
    if (scheme !== "TOKEN" && scheme !== "OAUTH2")
      throw validationFailed("profile", [`profile.authScheme: '${String(scheme)}' is not TOKEN or OAUTH2`]);
    throw unverified();
  });
  app.post<{ Params: { id: string } }>(
    "/api/v1/apps/:id/connections/default/lifecycle/activate",
    async (request) => {
      provisioned(request);
      throw new OktaError("E0000001", "credential", ["No verified credential: set the connection first."]);
    },
  );
  app.post<{ Params: { id: string } }>(
    "/api/v1/apps/:id/connections/default/lifecycle/deactivate",
    async (request, reply) => {
      provisioned(request).connectionStatus = "DISABLED";
      return reply.code(204).send();
    },
  );

  // ---- the app user schema: Okta's base `userName`, plus custom properties ----
  const schemaJson = (request: AppRequest) => {
    const application = apps().get(request.params.id);
    const custom = Object.fromEntries(apps().resources(application).customProperties);
    const url = `${originOf(request)}/api/v1/meta/schemas/apps/${application.id}/default`;
    return {
      id: url,
      $schema: "http://json-schema.org/draft-04/schema#",
      name: application.name,
      title: application.label,
      type: "object",
      definitions: {
        base: {
          id: "#base",
          type: "object",
          properties: {
            userName: { title: "Username", type: "string", required: true, scope: "NONE", maxLength: 100 },
          },
          required: ["userName"],
        },
        custom: { id: "#custom", type: "object", properties: custom, required: [] },
      },
      properties: { profile: { allOf: [{ $ref: "#/definitions/custom" }, { $ref: "#/definitions/base" }] } },
      _links: { self: { href: url } },
    };
  };
  app.get<{ Params: { id: string } }>("/api/v1/meta/schemas/apps/:id/default", async (request) =>
    schemaJson(request),
  );
  // A partial update: each named custom property is set, or removed when null.
  app.post<{ Params: { id: string } }>("/api/v1/meta/schemas/apps/:id/default", async (request) => {
    const resources = resourcesOf(request);
    const body = objectBody(
      request,
      ["definitions", "properties", "id", "$schema", "name", "title", "type", "_links"],
      "schema",
    );
    const properties = (body.definitions as { custom?: { properties?: unknown } } | undefined)?.custom
      ?.properties;
    if (properties === null || typeof properties !== "object" || Array.isArray(properties))
      throw validationFailed("definitions", ["definitions.custom.properties: an object is required"]);
    const changes = Object.entries(properties as Record<string, unknown>);
    for (const [name, property] of changes) {
      if (!/^[A-Za-z][A-Za-z0-9_]{0,99}$/.test(name))
        throw validationFailed("definitions", [`definitions.custom.properties.${name}: not a property name`]);
      if (property === null) continue;
      const { title, type } = (property ?? {}) as { title?: unknown; type?: unknown };
      if (
        typeof title !== "string" ||
        !["string", "boolean", "number", "integer", "array"].includes(String(type))
      )
        throw validationFailed("definitions", [
          `definitions.custom.properties.${name}: a title and a type (string, boolean, number, integer, array) are required`,
        ]);
    }
    for (const [name, property] of changes) {
      if (property === null) resources.customProperties.delete(name);
      else resources.customProperties.set(name, property as Record<string, unknown>);
    }
    return schemaJson(request);
  });

  // ---- the logo: a multipart upload of one image, 201 and no body ----
  app.post<{ Params: { id: string } }>("/api/v1/apps/:id/logo", async (request, reply) => {
    apps().get(request.params.id);
    const body = request.body;
    if (!Buffer.isBuffer(body) || !/filename="[^"]+"/.test(body.subarray(0, 4096).toString("latin1")))
      throw validationFailed("file", ["file: send the logo as multipart/form-data with a file part"]);
    return reply.code(201).send();
  });

  // ---- the app's access policy ----
  app.put<{ Params: { id: string; policyId: string } }>(
    "/api/v1/apps/:id/policies/:policyId",
    async (request, reply) => {
      const resources = resourcesOf(request);
      const policy = state.org.policies.get(request.params.policyId);
      if (policy.type !== "ACCESS_POLICY")
        throw validationFailed("policyId", [
          `policyId: ${policy.type} policies are not app sign-in policies`,
        ]);
      resources.policyId = policy.id;
      return reply.code(204).send();
    },
  );
}
