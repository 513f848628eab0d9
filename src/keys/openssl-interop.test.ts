import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { requireTool } from "../../test/support/tools.ts";
import { generateKeys } from "./generate.ts";

/**
 * Interop: the certificates `tethys keys` makes are standard X.509 — OpenSSL verifies them
 * against the CA with the intended purposes, and GnuTLS's certtool verifies the chain.
 * Skipped when the tools are missing (CI installs openssl and gnutls-bin).
 */
const run = promisify(execFile);

test("openssl verifies hub (sslserver) and vehicle (sslclient) certificates against the CA", {
  skip: requireTool("openssl", "openssl"),
}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-keys-openssl-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const k = await generateKeys({ dir: join(dir, "k"), vehicleId: "rov1" });
  const hub = await run("openssl", ["verify", "-purpose", "sslserver", "-CAfile", k.files.caCert, k.files.hubCert]);
  assert.match(hub.stdout, /: OK/);
  const veh = await run("openssl", ["verify", "-purpose", "sslclient", "-CAfile", k.files.caCert, k.files.vehicleCert]);
  assert.match(veh.stdout, /: OK/);
  const fp = await run("openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", k.files.hubCert]);
  assert.equal(fp.stdout.trim().split("=")[1], k.fingerprints.hub);
  const key = await run("openssl", ["pkey", "-in", k.files.vehicleKey, "-noout", "-text"]);
  assert.match(key.stdout, /prime256v1|P-256/);
  // A vehicle certificate from another pair does not verify against this CA.
  const other = await generateKeys({ dir: join(dir, "other") });
  await assert.rejects(run("openssl", ["verify", "-CAfile", k.files.caCert, other.files.vehicleCert]));
});

test("GnuTLS certtool verifies the hub certificate chain", {
  skip: requireTool("certtool", "gnutls-bin"),
}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-keys-gnutls-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const k = await generateKeys({ dir: join(dir, "k") });
  const out = await run("certtool", [
    "--verify",
    `--load-ca-certificate=${k.files.caCert}`,
    `--infile=${k.files.hubCert}`,
  ]);
  assert.match(out.stdout, /Chain verification output: Verified/);
});
