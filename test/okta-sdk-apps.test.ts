import okta from "@okta/okta-sdk-nodejs";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOkta, startFakeOkta } from "../harness/fake-okta/server.js";

/**
 * Apps as Okta's own SDK drives them in its application tests: every sign-on mode it creates,
 * signing keys and CSRs (a certificate signed here, with forge, published back), consent grants,
 * federated claims, the app user schema, the provisioning connection and access policies. What
 * a wrong call must get back is Okta's error, and nothing changes.
 */
type OktaApiError = { status: number; errorCode: string; message: string };

let fake: FakeOkta;
let client: okta.Client;

beforeAll(async () => {
  for (const key of Object.keys(process.env)) if (key.startsWith("OKTA_CLIENT_")) delete process.env[key];
  fake = await startFakeOkta({ fixture: { seed: 3, generate: { users: 5 } }, limits: "none" });
  client = new okta.Client({ orgUrl: fake.url, token: fake.token, cacheMiddleware: null });
});
afterAll(async () => fake.close());

async function refusal(promise: Promise<unknown>): Promise<OktaApiError> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as OktaApiError | undefined;
  expect(error, "expected Okta to refuse").toBeDefined();
  return error as OktaApiError;
}

const bookmark = (label: string) =>
  client.applicationApi.createApplication({
    application: {
      name: "bookmark",
      label,
      signOnMode: "BOOKMARK",
      settings: { app: { url: "https://example.com/b" } },
    } as okta.BookmarkApplication,
  });

const oidc = (label: string, grantTypes: string[], redirects?: string[]) =>
  client.applicationApi.createApplication({
    application: {
      name: "oidc_client",
      label,
      signOnMode: "OPENID_CONNECT",
      credentials: { oauthClient: { token_endpoint_auth_method: "client_secret_post" } },
      settings: {
        oauthClient: {
          grant_types: grantTypes,
          ...(redirects ? { redirect_uris: redirects, response_types: ["code"] } : {}),
        },
      },
    } as okta.OpenIdConnectApplication,
  });

describe("apps as Okta's SDK application tests drive them", () => {
  it("an OIDC client gets its client_id (the app's id) and a secret; redirects are required for code flow", async () => {
    const service = (await oidc("Service", ["client_credentials"])) as okta.OpenIdConnectApplication;
    expect(service.credentials?.oauthClient?.client_id).toBe(service.id);
    expect(service.credentials?.oauthClient?.client_secret?.length).toBeGreaterThanOrEqual(14);
    const before = fake.state.org.apps.apps.length;
    const error = await refusal(oidc("Web", ["authorization_code"]));
    expect([error.status, error.errorCode]).toEqual([400, "E0000001"]);
    expect(error.message).toContain("settings.oauthClient.redirect_uris");
    expect(fake.state.org.apps.apps.length).toBe(before);
  });

  it("custom SAML and SWA apps are named from their labels, uniquely", async () => {
    const saml = (label: string) =>
      client.applicationApi.createApplication({
        application: {
          label,
          signOnMode: "SAML_2_0",
          settings: {
            signOn: {
              allowMultipleAcsEndpoints: false,
              assertionSigned: true,
              honorForceAuthn: false,
              requestCompressed: false,
              responseSigned: true,
              defaultRelayState: "",
            },
          },
        } as okta.SamlApplication,
      });
    const first = (await saml("Acme SAML")) as okta.SamlApplication;
    const second = (await saml("Acme-SAML!")) as okta.SamlApplication;
    expect([first.name, second.name]).toEqual(["acmesaml_1", "acmesaml_2"]);
    expect(first.settings?.signOn?.defaultRelayState).toBeNull();
    const metadata = await client.applicationApi.previewSAMLmetadataForApplication({
      appId: first.id as string,
      kid: first.credentials?.signing?.kid as string,
    });
    const [key] = fake.state.org.apps.resources(fake.state.org.apps.get(first.id as string)).keys;
    expect(metadata).toContain(`<ds:X509Certificate>${key?.x5c[0]}</ds:X509Certificate>`);
    const refused = await refusal(
      client.applicationApi.createApplication({
        application: {
          label: "No sign-on",
          signOnMode: "AUTO_LOGIN",
          settings: {},
        } as okta.AutoLoginApplication,
      }),
    );
    expect(refused.message).toContain("settings.signOn");
  });

  it("a CSR signed here and published back becomes the app's key; a certificate for another key is refused", async () => {
    const app = await bookmark("CSR target");
    const appId = app.id as string;
    // The SDK types this answer as a string; Okta (and the fake) send a Csr.
    const csr = (await client.applicationApi.generateCsrForApplication({
      appId,
      metadata: {
        subject: { countryName: "US", commonName: "SP Issuer" },
        subjectAltNames: { dnsNames: ["sp.example.com"] },
      },
    })) as unknown as okta.Csr;
    const request = forge.pki.certificationRequestFromAsn1(
      forge.asn1.fromDer(forge.util.decode64(csr.csr as string)),
    );
    expect(request.verify()).toBe(true);
    expect(request.subject.getField("CN").value).toBe("SP Issuer");
    const issuer = forge.pki.rsa.generateKeyPair(1024);
    const certify = (publicKey: forge.pki.PublicKey) => {
      const cert = forge.pki.createCertificate();
      cert.publicKey = publicKey;
      cert.serialNumber = "01";
      cert.validity.notBefore = new Date();
      cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
      cert.setSubject(request.subject.attributes);
      cert.setIssuer(request.subject.attributes);
      cert.sign(issuer.privateKey, forge.md.sha256.create());
      return cert;
    };
    const stranger = await refusal(
      client.applicationApi.publishCsrFromApplication({
        appId,
        csrId: csr.id as string,
        body: { data: Buffer.from(forge.pki.certificateToPem(certify(issuer.publicKey))), name: "c.pem" },
      }),
    );
    expect(stranger.message).toContain("public key is not the CSR's");
    const garbled = await refusal(
      client.applicationApi.publishCsrFromApplication({
        appId,
        csrId: csr.id as string,
        body: {
          data: Buffer.from("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----"),
          name: "c.pem",
        },
      }),
    );
    expect([garbled.status, garbled.message.includes("not an X.509 certificate")]).toEqual([400, true]);
    const cert = certify(request.publicKey as forge.pki.PublicKey);
    const key = await client.applicationApi.publishCsrFromApplication({
      appId,
      csrId: csr.id as string,
      body: { data: Buffer.from(forge.pki.certificateToPem(cert)), name: "c.pem" },
    });
    const modulus = (request.publicKey as forge.pki.rsa.PublicKey).n.toString(16);
    expect(
      Buffer.from(key.n as string, "base64url")
        .toString("hex")
        .replace(/^0+/, ""),
    ).toBe(modulus);
    expect(key.x5c?.[0]).toBe(
      forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes()),
    );
    expect(
      (await refusal(client.applicationApi.getCsrForApplication({ appId, csrId: csr.id as string }))).status,
    ).toBe(404);
    const kids: string[] = [];
    for await (const listed of await client.applicationApi.listApplicationKeys({ appId }))
      kids.push(listed?.kid as string);
    expect(kids).toEqual([(app as okta.BookmarkApplication).credentials?.signing?.kid, key.kid]);
  });

  it("keys: generated for 2 to 10 years, cloned once to another app, gone with the app", async () => {
    const [source, target] = [await bookmark("Keys source"), await bookmark("Keys target")];
    const appId = source.id as string;
    const tooShort = await refusal(client.applicationApi.generateApplicationKey({ appId, validityYears: 1 }));
    expect([tooShort.status, tooShort.errorCode]).toEqual([400, "E0000001"]);
    const key = await client.applicationApi.generateApplicationKey({ appId, validityYears: 3 });
    expect(
      new Date(key.expiresAt as Date).getUTCFullYear() - new Date(key.created as Date).getUTCFullYear(),
    ).toBe(3);
    const clone = { appId, keyId: key.kid as string, targetAid: target.id as string };
    expect((await client.applicationApi.cloneApplicationKey(clone)).kid).toBe(key.kid);
    expect((await refusal(client.applicationApi.cloneApplicationKey(clone))).status).toBe(400);
    expect(
      (
        await client.applicationApi.getApplicationKey({
          appId: target.id as string,
          keyId: key.kid as string,
        })
      ).n,
    ).toBe(key.n);
    await client.applicationApi.deactivateApplication({ appId });
    await client.applicationApi.deleteApplication({ appId });
    expect(
      (await refusal(client.applicationApi.getApplicationKey({ appId, keyId: key.kid as string }))).status,
    ).toBe(404);
  });

  it("consent grants, federated claims and the app user schema", async () => {
    const appId = (await oidc("Grants", ["client_credentials"])).id as string;
    const badScope = await refusal(
      client.applicationApi.grantConsentToScope({
        appId,
        oAuth2ScopeConsentGrant: { issuer: fake.url, scopeId: "users.manage" },
      }),
    );
    expect(badScope.message).toContain("scopeId");
    const grant = await client.applicationApi.grantConsentToScope({
      appId,
      oAuth2ScopeConsentGrant: { issuer: fake.url, scopeId: "okta.users.manage" },
    });
    expect(
      (await client.applicationApi.getScopeConsentGrant({ appId, grantId: grant.id as string })).scopeId,
    ).toBe("okta.users.manage");
    await client.applicationApi.revokeScopeConsentGrant({ appId, grantId: grant.id as string });
    expect(
      (await refusal(client.applicationApi.getScopeConsentGrant({ appId, grantId: grant.id as string })))
        .status,
    ).toBe(404);

    const claim = await client.applicationApi.createFederatedClaim({
      appId,
      federatedClaimRequestBody: { name: "dept", expression: "user.department" },
    });
    expect(
      (
        await refusal(
          client.applicationApi.createFederatedClaim({
            appId,
            federatedClaimRequestBody: { name: "dept", expression: "x" },
          }),
        )
      ).status,
    ).toBe(400);
    await client.applicationApi.replaceFederatedClaim({
      appId,
      claimId: claim.id as string,
      federatedClaim: { ...claim, expression: "user.title" },
    });
    expect(
      (await client.applicationApi.getFederatedClaim({ appId, claimId: claim.id as string })).expression,
    ).toBe("user.title");

    const twitter = { title: "Twitter", type: "string" };
    const withTwitter = await client.schemaApi.updateApplicationUserProfile({
      appInstanceId: appId,
      body: {
        definitions: { custom: { id: "#custom", type: "object", properties: { twitter } } },
      } as okta.UserSchema,
    });
    expect(Object.keys(withTwitter.definitions?.custom?.properties ?? {})).toEqual(["twitter"]);
    const untyped = await refusal(
      client.schemaApi.updateApplicationUserProfile({
        appInstanceId: appId,
        body: {
          definitions: {
            custom: { id: "#custom", type: "object", properties: { twitter: null, bad: { title: "x" } } },
          },
        } as unknown as okta.UserSchema,
      }),
    );
    expect(untyped.message).toContain("definitions.custom.properties.bad");
    const unchanged = await client.schemaApi.getApplicationUserSchema({ appInstanceId: appId });
    expect(Object.keys(unchanged.definitions?.custom?.properties ?? {})).toEqual(["twitter"]);
  });

  it("access policies assign to apps; other policy types do not; provisioning answers as for an unreachable org", async () => {
    const appId = (await oidc("Policies", ["client_credentials"])).id as string;
    const access = await client.policyApi.createPolicy({
      policy: { type: "ACCESS_POLICY", name: "Apps", status: "ACTIVE" } as okta.AccessPolicy,
    });
    const password = await client.policyApi.createPolicy({
      policy: { type: "PASSWORD", name: "Pw" } as okta.PasswordPolicy,
    });
    await client.applicationApi.assignApplicationPolicy({ appId, policyId: access.id as string });
    expect(fake.state.org.apps.resources(fake.state.org.apps.get(appId)).policyId).toBe(access.id);
    const wrongType = await refusal(
      client.applicationApi.assignApplicationPolicy({ appId, policyId: password.id as string }),
    );
    expect(wrongType.status).toBe(400);
    expect(fake.state.org.apps.resources(fake.state.org.apps.get(appId)).policyId).toBe(access.id);
    await client.policyApi.deactivatePolicy({ policyId: access.id as string });
    await client.policyApi.deletePolicy({ policyId: access.id as string });
    expect((await refusal(client.policyApi.getPolicy({ policyId: access.id as string }))).status).toBe(404);

    const org2org = await client.applicationApi.createApplication({
      application: {
        name: "okta_org2org",
        label: "Org2Org",
        signOnMode: "SAML_2_0",
        settings: {},
      } as okta.Application,
    });
    const connection = await client.applicationApi.getDefaultProvisioningConnectionForApplication({
      appId: org2org.id as string,
    });
    expect([connection.status, connection.authScheme]).toEqual(["DISABLED", "TOKEN"]);
    const unverified = await refusal(
      client.applicationApi.updateDefaultProvisioningConnectionForApplication({
        appId: org2org.id as string,
        ProvisioningConnectionRequest: {
          profile: { authScheme: "TOKEN", token: "t" },
        } as okta.ProvisioningConnectionTokenRequest,
      }),
    );
    expect(unverified.message).toContain(
      "Api validation failed: credential. Verification failed: Invalid URL. Not authorized.",
    );
    const notProvisioned = await refusal(
      client.applicationApi.getDefaultProvisioningConnectionForApplication({ appId }),
    );
    expect(notProvisioned.status).toBe(400);
  });
});
