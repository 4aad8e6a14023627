import { createPublicKey, generateKeyPair as generateKeyPairCallback, X509Certificate } from "node:crypto";
import { promisify } from "node:util";
import forge from "node-forge";
import { iso } from "../shared/clock.js";
import { validationFailed } from "./errors.js";

/**
 * An app's signing credentials: X.509 keys (Okta's `JsonWebKey` with `x5c`) and certificate
 * signing requests (`Csr`), real enough that Okta's SDK tests can sign a CSR and publish the
 * certificate back. RSA keys come from Node (off the event loop); certificates and CSRs are
 * written with node-forge; published certificates are read with Node's X509Certificate.
 */
export interface AppKey {
  kid: string;
  kty: "RSA";
  use: "sig";
  e: string;
  n: string;
  x5c: string[];
  "x5t#S256": string;
  created: string;
  lastUpdated: string;
  expiresAt: string;
}

export interface CsrMetadata {
  subject?: Record<string, string>;
  subjectAltNames?: { dnsNames?: string[] };
}

export interface AppCsr {
  id: string;
  created: string;
  kty: "RSA";
  csr: string;
  /** The key pair's modulus: a published certificate must carry this public key. */
  n: string;
}

const generateKeyPair = promisify(generateKeyPairCallback);

async function rsaKeyPair() {
  const { publicKey, privateKey } = await generateKeyPair("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    n: createPublicKey(publicKey).export({ format: "jwk" }).n as string,
  };
}

/** DER bytes of a forge ASN.1 structure. */
const der = (asn1: forge.asn1.Asn1) => Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");

/** The JWK Okta answers for a certificate (DER). */
function keyOfCertificate(der: Buffer, kid: string, now: number): AppKey {
  const certificate = new X509Certificate(der);
  const jwk = certificate.publicKey.export({ format: "jwk" });
  if (jwk.kty !== "RSA" || !jwk.n || !jwk.e) throw validationFailed("certificate", ["not an RSA key"]);
  return {
    kid,
    kty: "RSA",
    use: "sig",
    e: jwk.e,
    n: jwk.n,
    x5c: [der.toString("base64")],
    "x5t#S256": Buffer.from(certificate.fingerprint256.replaceAll(":", ""), "hex").toString("base64url"),
    created: iso(now),
    lastUpdated: iso(now),
    expiresAt: new Date(certificate.validTo).toISOString(),
  };
}

/** A new self-signed signing key, valid for `validityYears` (Okta: 2 to 10). */
export async function newSigningKey(kid: string, validityYears: number, now: number): Promise<AppKey> {
  const keys = await rsaKeyPair();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  certificate.serialNumber = `01${kid.replace(/[^0-9a-f]/gi, "").slice(0, 14)}`;
  certificate.validity.notBefore = new Date(now);
  certificate.validity.notAfter = new Date(now);
  certificate.validity.notAfter.setUTCFullYear(
    certificate.validity.notBefore.getUTCFullYear() + validityYears,
  );
  const name = [{ name: "commonName", value: "paceline fake Okta" }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.sign(keys.privateKey, forge.md.sha256.create());
  return keyOfCertificate(der(forge.pki.certificateToAsn1(certificate)), kid, now);
}

const SUBJECT_FIELDS = [
  "countryName",
  "stateOrProvinceName",
  "localityName",
  "organizationName",
  "organizationalUnitName",
  "commonName",
];

/** A PKCS#10 request for Okta's `CsrMetadata`, or E0000001 naming the field at fault. */
export async function newCsr(id: string, metadata: CsrMetadata, now: number): Promise<AppCsr> {
  const subject = metadata.subject ?? {};
  const fields = Object.entries(subject);
  const unknown = fields.filter(
    ([field, value]) => !SUBJECT_FIELDS.includes(field) || typeof value !== "string",
  );
  if (fields.length === 0 || unknown.length > 0)
    throw validationFailed("metadata", [
      fields.length === 0
        ? "subject: at least one field is required"
        : `subject: unknown or non-string field ${unknown.map(([field]) => field).join(", ")}`,
    ]);
  const dnsNames: unknown = metadata.subjectAltNames?.dnsNames ?? [];
  if (
    !Array.isArray(dnsNames) ||
    dnsNames.length > 100 ||
    dnsNames.some((n) => typeof n !== "string" || n === "")
  )
    throw validationFailed("metadata", ["subjectAltNames.dnsNames: at most 100 host names are allowed"]);
  const keys = await rsaKeyPair();
  const request = forge.pki.createCertificationRequest();
  request.publicKey = keys.publicKey;
  request.setSubject(fields.map(([name, value]) => ({ name, value })));
  if (dnsNames.length > 0)
    request.setAttributes([
      {
        name: "extensionRequest",
        extensions: [{ name: "subjectAltName", altNames: dnsNames.map((value) => ({ type: 2, value })) }],
      },
    ]);
  request.sign(keys.privateKey, forge.md.sha256.create());
  return {
    id,
    created: iso(now),
    kty: "RSA",
    csr: der(forge.pki.certificationRequestToAsn1(request)).toString("base64"),
    n: keys.n,
  };
}

/**
 * A certificate published for a CSR — DER, PEM, or DER in base64, as Okta takes it — as the key it
 * becomes. It must carry the CSR's public key.
 */
export function publishedKey(body: Buffer, csr: AppCsr, kid: string, now: number): AppKey {
  let key: AppKey;
  try {
    key = keyOfCertificate(certificateBytes(body), kid, now);
  } catch {
    throw validationFailed("certificate", ["the body is not an X.509 certificate (DER, PEM or base64 DER)"]);
  }
  if (key.n !== csr.n)
    throw validationFailed("certificate", ["the certificate's public key is not the CSR's"]);
  return key;
}

/** A certificate's DER bytes, from DER, PEM or DER in base64. */
function certificateBytes(body: Buffer): Buffer {
  const text = body.toString("latin1").trim();
  if (text.startsWith("-----BEGIN CERTIFICATE-----")) return Buffer.from(new X509Certificate(text).raw);
  if (/^[A-Za-z0-9+/=\r\n]+$/.test(text)) return Buffer.from(text, "base64");
  return body;
}
