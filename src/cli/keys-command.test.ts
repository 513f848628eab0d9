import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseSecretHash, verifySecret } from "../topside/secrets.ts";
import { CliCommand } from "./cli-command.ts";
import { registerKeysCommand } from "./keys-command.ts";

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "tethys-keys-cli-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test("tethys keys prints paths and fingerprints but no secret", async () => {
  let out = "";
  const program = new CliCommand("tethys").exitOverride();
  registerKeysCommand(program, { out: (t) => (out += t), err: () => {} });
  const dir = join(root, "cli");
  await program.parseAsync(["keys", "--dir", dir, "--vehicle", "rov2", "--hub-name", "topside.lan"], { from: "user" });
  assert.match(out, /keys for vehicle "rov2" written to/);
  const psk = (await readFile(join(dir, "rov2.psk"), "utf8")).trim();
  const key = await readFile(join(dir, "rov2.key"), "utf8");
  assert.equal(out.includes(psk), false);
  assert.equal(out.includes(key.split("\n")[1] as string), false);
  const hub = new X509Certificate(await readFile(join(dir, "hub.crt")));
  assert.equal(hub.subjectAltName, "DNS:topside.lan");
  assert.ok(out.includes(hub.fingerprint256));
});

test("tethys keys hash-secret prints a verifiable hash of the secret on stdin", async () => {
  const tethys = fileURLToPath(new URL("./tethys.ts", import.meta.url));
  const r = spawnSync(process.execPath, [tethys, "keys", "hash-secret"], {
    input: "s3cret\n",
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await verifySecret("s3cret", parseSecretHash(r.stdout.trim())), true);
  const empty = spawnSync(process.execPath, [tethys, "keys", "hash-secret"], {
    input: "",
    encoding: "utf8",
  });
  assert.equal(empty.status, 1);
});
