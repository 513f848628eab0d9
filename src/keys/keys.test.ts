import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse } from "smol-toml";
import { parseConfig } from "../config/load.ts";
import { isTethysError } from "../kernel/errors.ts";
import { readPsk, readTlsCredentials, resolveConfigPath } from "./credentials.ts";
import { classifyHubNames, generateKeys } from "./generate.ts";

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "tethys-keys-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

test("generateKeys writes CA, hub and vehicle certs, PSK and snippets with safe modes", async () => {
  const dir = join(root, "a", "keys");
  const r = await generateKeys({
    dir,
    vehicleId: "rov7",
    hubNames: ["hub.local", "10.0.0.1", "::1"],
    configDir: join(root, "a"),
  });
  assert.equal(await modeOf(dir), 0o700);
  for (const f of [r.files.caKey, r.files.hubKey, r.files.vehicleKey, r.files.psk])
    assert.equal(await modeOf(f), 0o600, f);
  for (const f of [r.files.caCert, r.files.hubCert, r.files.vehicleCert]) assert.equal(await modeOf(f), 0o644, f);

  const ca = new X509Certificate(await readFile(r.files.caCert));
  const hub = new X509Certificate(await readFile(r.files.hubCert));
  const veh = new X509Certificate(await readFile(r.files.vehicleCert));
  assert.equal(ca.ca, true);
  assert.equal(hub.subject, "CN=hub");
  assert.equal(veh.subject, "CN=rov7");
  assert.ok(hub.verify(ca.publicKey) && veh.verify(ca.publicKey));
  assert.equal(hub.subjectAltName, "DNS:hub.local, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1");
  assert.equal(hub.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
  assert.equal(hub.fingerprint256, r.fingerprints.hub);
  assert.equal(veh.fingerprint256, r.fingerprints.vehicle);
  assert.equal(r.pskIdentity, "rov7");
  assert.equal((await readPsk(r.files.psk)).length, 32);

  const vs = parse(await readFile(r.files.vehicleSnippet, "utf8")) as { vehicle: { link: Record<string, string> } };
  assert.deepEqual(
    { ...vs.vehicle.link },
    {
      ca: "keys/ca.crt",
      cert: "keys/rov7.crt",
      key: "keys/rov7.key",
      hub_fingerprint: r.fingerprints.hub,
      psk: "keys/rov7.psk",
    },
  );
  const ts = parse(await readFile(r.files.topsideSnippet, "utf8")) as {
    topside: { tls: Record<string, string>; vehicles: Record<string, Record<string, string>> };
  };
  assert.deepEqual({ ...ts.topside.tls }, { ca: "keys/ca.crt", cert: "keys/hub.crt", key: "keys/hub.key" });
  assert.deepEqual({ ...ts.topside.vehicles.rov7 }, { fingerprint: r.fingerprints.vehicle, psk: "keys/rov7.psk" });

  // The snippet paths, resolved against a config file in configDir, reach the files.
  const cfg = join(root, "a", "vehicle.toml");
  const creds = await readTlsCredentials({
    ca: resolveConfigPath(cfg, vs.vehicle.link.ca as string),
    cert: resolveConfigPath(cfg, vs.vehicle.link.cert as string),
    key: resolveConfigPath(cfg, vs.vehicle.link.key as string),
  });
  assert.match(creds.key.toString(), /BEGIN PRIVATE KEY/);
});

test("the snippets are valid config: appended to a vehicle and a topside file they pass the schema", async () => {
  const r = await generateKeys({ dir: join(root, "valid"), vehicleId: "rov3", configDir: root });
  const v = parseConfig(`[vehicle]\nid = "rov3"\n${await readFile(r.files.vehicleSnippet, "utf8")}`, "vehicle.toml");
  assert.equal(v.config.vehicle?.link.hub_fingerprint, r.fingerprints.hub);
  assert.equal(v.config.vehicle?.link.timeout_ms, 1500);
  const t = parseConfig(`[topside]\n${await readFile(r.files.topsideSnippet, "utf8")}`, "topside.toml");
  assert.equal(t.config.topside?.vehicles.rov3?.fingerprint, r.fingerprints.vehicle);
  assert.equal(t.config.topside?.tls?.cert, "valid/hub.crt");
});

test("absolute paths in snippets on request", async () => {
  const dir = join(root, "abs");
  const r = await generateKeys({ dir, paths: "absolute" });
  const vs = parse(await readFile(r.files.vehicleSnippet, "utf8")) as { vehicle: { link: Record<string, string> } };
  assert.equal(vs.vehicle.link.cert, join(dir, "rov1.crt"));
});

test("refuses to overwrite existing keys without force, replaces them with force", async () => {
  const dir = join(root, "twice");
  const first = await generateKeys({ dir });
  await assert.rejects(generateKeys({ dir }), (e) => isTethysError(e, "KEYS_EXISTS"));
  assert.equal((await readFile(first.files.hubCert, "utf8")).length > 0, true);
  await chmod(first.files.hubKey, 0o644);
  const second = await generateKeys({ dir, force: true });
  assert.notEqual(second.fingerprints.hub, first.fingerprints.hub);
  assert.equal(await modeOf(second.files.hubKey), 0o600);
});

test("reuse keeps a complete set and returns its fingerprints; a partial set is still refused", async () => {
  const dir = join(root, "reuse");
  const first = await generateKeys({ dir });
  const again = await generateKeys({ dir, reuse: true });
  assert.deepEqual(again.fingerprints, first.fingerprints);
  await rm(first.files.psk);
  await assert.rejects(generateKeys({ dir, reuse: true }), (e) => isTethysError(e, "KEYS_EXISTS"));
});

test("refuses a group/world-accessible directory and bad options with codes", async () => {
  const dir = join(root, "open");
  await mkdir(dir, { mode: 0o755 });
  await chmod(dir, 0o755);
  await assert.rejects(generateKeys({ dir }), (e) => isTethysError(e, "KEYS_DIR_UNSAFE"));
  await assert.rejects(generateKeys({ dir: join(root, "x"), vehicleId: "Bad Id" }), (e) =>
    isTethysError(e, "KEYS_BAD_OPTION"),
  );
  await assert.rejects(generateKeys({ dir: join(root, "x"), vehicleId: "hub" }), (e) =>
    isTethysError(e, "KEYS_BAD_OPTION"),
  );
  await assert.rejects(generateKeys({ dir: join(root, "x"), hubNames: ["bad name!"] }), (e) =>
    isTethysError(e, "KEYS_BAD_NAME"),
  );
  assert.deepEqual(classifyHubNames(["a.b", "1.2.3.4", "fe80::1"]), {
    dnsNames: ["a.b"],
    ipAddresses: ["1.2.3.4", "fe80::1"],
  });
});

test("credential readers refuse unsafe key modes and foreign certificates", async () => {
  const a = await generateKeys({ dir: join(root, "ca-a") });
  const b = await generateKeys({ dir: join(root, "ca-b") });
  await chmod(a.files.vehicleKey, 0o640);
  await assert.rejects(
    readTlsCredentials({ ca: a.files.caCert, cert: a.files.vehicleCert, key: a.files.vehicleKey }),
    (e) => isTethysError(e, "KEYS_UNSAFE_MODE"),
  );
  await chmod(a.files.vehicleKey, 0o600);
  await assert.rejects(
    readTlsCredentials({ ca: b.files.caCert, cert: a.files.vehicleCert, key: a.files.vehicleKey }),
    (e) => isTethysError(e, "KEYS_INVALID"),
  );
  await assert.rejects(readPsk(join(root, "missing.psk")), (e) => isTethysError(e, "KEYS_READ"));
});
