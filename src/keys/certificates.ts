import "reflect-metadata";
import { createHash, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

/**
 * Certificate material for a vehicle/hub pair, made with WebCrypto through @peculiar/x509:
 * a small CA (ECDSA P-256, self-signed, pathLen 0) and leaf certificates it signs. No files,
 * no logging: callers decide where the PEM text goes (see generate.ts).
 */

const EC_KEY: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const SIGNING: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };
const DAY_MS = 86_400_000;

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface Issued {
  /** Certificate, PEM. */
  certPem: string;
  /** PKCS#8 private key, PEM. Secret. */
  keyPem: string;
  /** SHA-256 of the DER certificate, upper-case hex pairs joined by ":" (as openssl prints it). */
  fingerprint: string;
}

export interface Authority extends Issued {
  /** Kept in memory to sign leaves; never serialised except as keyPem. */
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

export interface LeafOptions {
  /** Subject common name: "hub" or the vehicle id. */
  commonName: string;
  /** Subject alternative names: DNS names and IP addresses. */
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  /** Extended key usages: server (hub, also serves HTTPS), client (vehicle). */
  usage: readonly ("server" | "client")[];
  validDays: number;
  now: Date;
}

/** SHA-256 fingerprint of DER bytes in the "AB:CD:…" form. */
export function fingerprintOfDer(der: Uint8Array): string {
  const hex = createHash("sha256").update(der).digest("hex").toUpperCase();
  return hex.replace(/(..)(?!$)/g, "$1:");
}

async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = new Uint8Array(await webcrypto.subtle.exportKey("pkcs8", key));
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PRIVATE KEY-----\n${b64.endsWith("\n") ? b64 : `${b64}\n`}-----END PRIVATE KEY-----\n`;
}

function pem(cert: x509.X509Certificate): string {
  return `${cert.toString("pem")}\n`;
}

/** Creates the pair's CA: CN "<name>", basicConstraints CA pathLen 0, keyCertSign + cRLSign. */
export async function createAuthority(name: string, validDays: number, now: Date): Promise<Authority> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + validDays * DAY_MS),
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    keys,
    cert,
    certPem: pem(cert),
    keyPem: await exportKeyPem(keys.privateKey as CryptoKey),
    fingerprint: fingerprintOfDer(new Uint8Array(cert.rawData)),
  };
}

/** Issues a leaf certificate signed by `ca`. */
export async function issueLeaf(ca: Authority, options: LeafOptions): Promise<Issued> {
  const keys = await generateKeyPair();
  const names: x509.JsonGeneralName[] = [
    ...(options.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const eku: string[] = [];
  if (options.usage.includes("server")) eku.push(x509.ExtendedKeyUsage.serverAuth);
  if (options.usage.includes("client")) eku.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(eku, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey as CryptoKey),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.commonName}`,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey as CryptoKey,
    signingKey: ca.keys.privateKey as CryptoKey,
    notBefore: new Date(options.now.getTime() - DAY_MS),
    notAfter: new Date(options.now.getTime() + options.validDays * DAY_MS),
    signingAlgorithm: SIGNING,
    extensions,
  });
  return {
    certPem: pem(cert),
    keyPem: await exportKeyPem(keys.privateKey as CryptoKey),
    fingerprint: fingerprintOfDer(new Uint8Array(cert.rawData)),
  };
}
