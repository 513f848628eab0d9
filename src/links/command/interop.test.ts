import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { requireTool } from "../../../test/support/tools.ts";
import { RealClock } from "../../kernel/real-clock.ts";
import { encodeFrame } from "../../protocol/index.ts";
import { CommandLinkServer, type VehicleConnection } from "./server.ts";
import { makeTestPki } from "./testing/pki.ts";

/**
 * Interop: OpenSSL's s_client, speaking TLS 1.3 with the vehicle's certificate, is accepted by
 * the hub as vehicle "rov1" once it sends a heartbeat frame, and gets the hub's answer.
 * Skipped without openssl (CI installs it).
 */
test("openssl s_client as a vehicle: TLS 1.3 mutual auth, heartbeat answered", {
  skip: requireTool("openssl", "openssl"),
}, async (t) => {
  const pki = await makeTestPki();
  const dir = await mkdtemp(join(tmpdir(), "tethys-interop-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const f = (n: string) => join(dir, n);
  await writeFile(f("ca.crt"), pki.ca.certPem);
  await writeFile(f("v.crt"), pki.vehicle.certPem);
  await writeFile(f("v.key"), pki.vehicle.keyPem, { mode: 0o600 });

  const server = new CommandLinkServer({
    credentials: { ca: pki.ca.certPem, cert: pki.hub.certPem, key: pki.hub.keyPem },
    vehicles: { rov1: pki.vehicle.fingerprint },
    clock: new RealClock(),
    tuning: { heartbeatMs: 100, timeoutMs: 5000 },
  });
  const { port } = await server.listen(0, "127.0.0.1");
  t.after(() => server.close());
  const child = spawn(
    "openssl",
    [
      "s_client",
      "-connect",
      `127.0.0.1:${port}`,
      "-tls1_3",
      "-cert",
      f("v.crt"),
      "-key",
      f("v.key"),
      "-CAfile",
      f("ca.crt"),
      "-verify_return_error",
      "-quiet",
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  t.after(() => child.kill());
  const got: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => got.push(b));
  const conn = once(server, "connection") as Promise<[VehicleConnection]>;
  const hb = encodeFrame({ type: "heartbeat" }, { seq: 0, timestamp: Date.now() * 1000 });
  child.stdin.write(Buffer.concat([Buffer.from([hb.length, 0]), hb]));
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`openssl s_client exited (${code}) before the hub accepted it`);
  });
  exited.catch(() => {}); // the kill at the end makes it exit: not a failure (races still see it)
  const [c] = await Promise.race([conn, exited]);
  assert.equal(c.vehicleId, "rov1");
  // The hub's answer: a length-prefixed heartbeat frame (type id 0x07 at offset 1 of the frame).
  while (Buffer.concat(got).length < 18) await Promise.race([once(child.stdout, "data"), exited]);
  const answer = Buffer.concat(got);
  assert.equal(answer.readUInt16LE(0), 16);
  assert.equal(answer[3], 0x07);
});
