import type { FastifyInstance, FastifyRequest } from "fastify";
import { type CsrMetadata, newCsr, newSigningKey, publishedKey } from "../app-keys.js";
import { byId, removeById } from "../app-resources.js";
import { notFound, OktaError, validationFailed } from "../errors.js";
import { objectBody, originOf, queryOf } from "../http.js";
import type { ServerState } from "../state.js";

/**
 * `/api/v1/apps/{appId}/credentials`: signing keys (list, get, generate, clone to another app),
 * certificate signing requests (generate, list, get, revoke, publish a certificate), and the SAML
 * metadata a key signs. Shapes follow Okta's JsonWebKey and Csr.
 */
export function appCredentialRoutes(app: FastifyInstance, state: ServerState): void {
  const apps = () => state.org.apps;
  const resourcesOf = (request: FastifyRequest<{ Params: { id: string } }>) =>
    apps().resources(apps().get(request.params.id));
  const keyOf = (request: FastifyRequest<{ Params: { id: string; kid: string } }>) => {
    const key = resourcesOf(request).keys.find((k) => k.kid === request.params.kid);
    if (!key) throw notFound(request.params.kid, "JsonWebKey");
    return key;
  };
  /** Keys and CSRs an app may hold: each costs an RSA key pair (the harness's bound). */
  const refuseFull = (items: readonly unknown[], what: string) => {
    if (items.length >= MAX_PER_APP)
      throw validationFailed(what, [`${what}: an app holds at most ${MAX_PER_APP} in the fake`]);
  };

  app.get<{ Params: { id: string } }>(
    "/api/v1/apps/:id/credentials/keys",
    async (request) => resourcesOf(request).keys,
  );

  app.get<{ Params: { id: string; kid: string } }>(
    "/api/v1/apps/:id/credentials/keys/:kid",
    async (request) => keyOf(request),
  );

  // The spec's `validityYears`: required, 2 to 10.
  app.post<{ Params: { id: string } }>(
    "/api/v1/apps/:id/credentials/keys/generate",
    async (request, reply) => {
      const resources = resourcesOf(request);
      refuseFull(resources.keys, "keys");
      const raw = queryOf(request).validityYears;
      const years = Number(raw);
      if (!Number.isInteger(years) || years < 2 || years > 10)
        throw validationFailed("validityYears", [
          `validityYears: '${raw ?? ""}' is not a whole number of years from 2 to 10`,
        ]);
      const key = await newSigningKey(apps().newId("kid"), years, state.clock.now());
      resources.keys.push(key);
      return reply.code(201).send(key);
    },
  );

  // Clones a key to `targetAid`; Okta refuses a key the target already has.
  app.post<{ Params: { id: string; kid: string } }>(
    "/api/v1/apps/:id/credentials/keys/:kid/clone",
    async (request, reply) => {
      const key = keyOf(request);
      const targetId = queryOf(request).targetAid;
      if (!targetId) throw validationFailed("targetAid", ["targetAid: the target app's id is required"]);
      const target = apps().resources(apps().get(targetId));
      refuseFull(target.keys, "keys");
      if (target.keys.some((k) => k.kid === key.kid))
        throw validationFailed("targetAid", [`targetAid: the app already has key ${key.kid}`]);
      const clone = { ...key };
      target.keys.push(clone);
      return reply.code(201).send(clone);
    },
  );

  const csrJson = (
    csr: { id: string; created: string; kty: string; csr: string },
    origin: string,
    appId: string,
  ) => ({
    id: csr.id,
    created: csr.created,
    kty: csr.kty,
    csr: csr.csr,
    _links: {
      self: { href: `${origin}/api/v1/apps/${appId}/credentials/csrs/${csr.id}` },
      publish: { href: `${origin}/api/v1/apps/${appId}/credentials/csrs/${csr.id}/lifecycle/publish` },
    },
  });

  app.get<{ Params: { id: string } }>("/api/v1/apps/:id/credentials/csrs", async (request) =>
    resourcesOf(request).csrs.map((csr) => csrJson(csr, originOf(request), request.params.id)),
  );

  app.post<{ Params: { id: string } }>("/api/v1/apps/:id/credentials/csrs", async (request, reply) => {
    const resources = resourcesOf(request);
    refuseFull(resources.csrs, "csrs");
    const metadata = objectBody(request, ["subject", "subjectAltNames"], "metadata") as CsrMetadata;
    const csr = await newCsr(apps().newId("crs"), metadata, state.clock.now());
    resources.csrs.push(csr);
    return reply.code(201).send(csrJson(csr, originOf(request), request.params.id));
  });

  app.get<{ Params: { id: string; csrId: string } }>(
    "/api/v1/apps/:id/credentials/csrs/:csrId",
    async (request) =>
      csrJson(
        byId(resourcesOf(request).csrs, request.params.csrId, "Csr"),
        originOf(request),
        request.params.id,
      ),
  );

  app.delete<{ Params: { id: string; csrId: string } }>(
    "/api/v1/apps/:id/credentials/csrs/:csrId",
    async (request, reply) => {
      removeById(resourcesOf(request).csrs, request.params.csrId, "Csr");
      return reply.code(204).send();
    },
  );

  // Publishing a certificate for a CSR makes it a key and ends the CSR.
  app.post<{ Params: { id: string; csrId: string } }>(
    "/api/v1/apps/:id/credentials/csrs/:csrId/lifecycle/publish",
    async (request, reply) => {
      const resources = resourcesOf(request);
      const csr = byId(resources.csrs, request.params.csrId, "Csr");
      if (!Buffer.isBuffer(request.body) || request.body.length === 0)
        throw validationFailed("certificate", [
          "certificate: send it as application/x-x509-ca-cert, application/pkix-cert or application/x-pem-file",
        ]);
      const key = publishedKey(request.body, csr, apps().newId("kid"), state.clock.now());
      refuseFull(resources.keys, "keys");
      resources.keys.push(key);
      resources.csrs.splice(resources.csrs.indexOf(csr), 1);
      return reply.code(201).send(key);
    },
  );

  // SAML metadata signed with one of the app's keys (`kid`), as Okta previews it.
  app.get<{ Params: { id: string } }>("/api/v1/apps/:id/sso/saml/metadata", async (request, reply) => {
    const application = apps().get(request.params.id);
    const kid = queryOf(request).kid;
    if (!kid) throw validationFailed("kid", ["kid: the signing key's id is required"]);
    const key = apps()
      .resources(application)
      .keys.find((k) => k.kid === kid);
    if (!key) throw notFound(kid, "JsonWebKey");
    if (application.signOnMode !== "SAML_2_0")
      throw new OktaError("E0000001", "signOnMode", [
        `signOnMode: ${application.signOnMode} apps have no SAML metadata`,
      ]);
    const entity = `${originOf(request)}/${application.id}`;
    const sso = `${originOf(request)}/app/${application.name}/${application.id}/sso/saml`;
    return reply
      .type("text/xml")
      .send(
        `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entity}"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${key.x5c[0]}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${sso}"/></md:IDPSSODescriptor></md:EntityDescriptor>`,
      );
  });
}

const MAX_PER_APP = 20;
