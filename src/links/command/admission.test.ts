import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { RealClock } from "../../kernel/real-clock.ts";
import { PendingPool } from "./admission.ts";
import { CommandLinkClient } from "./client.ts";
import { CommandCodes } from "./codes.ts";
import { CommandLinkServer, type CommandLinkServerOptions, type VehicleConnection } from "./server.ts";
import { makeTestPki, type TestPki } from "./testing/pki.ts";

let pki: TestPki;
before(async () => {
  pki = await makeTestPki();
});
const clock = new RealClock();
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function hub(o: Partial<CommandLinkServerOptions> = {}) {
  const server = new CommandLinkServer({
    credentials: { ca: pki.ca.certPem, cert: pki.hub.certPem, key: pki.hub.keyPem },
    vehicles: { rov1: pki.vehicle.fingerprint },
    clock,
    tuning: { heartbeatMs: 50, timeoutMs: 2000 },
    ...o,
  });
  const addr = await server.listen(0, "127.0.0.1");
  cleanups.push(() => server.close());
  return { server, port: addr.port };
}

/** A TCP connection that never starts TLS; resolves once connected. */
async function idle(port: number): Promise<Socket> {
  const s = connect(port, "127.0.0.1");
  s.on("error", () => {});
  cleanups.push(() => s.destroy());
  await once(s, "connect");
  return s;
}

describe("PendingPool", () => {
  test("bounds pending items per address and in total, dropping the oldest (same address first)", () => {
    const pool = new PendingPool<string>({ maxPending: 4, maxPendingPerAddress: 2 });
    assert.deepEqual(pool.add("a1", "A"), []);
    assert.deepEqual(pool.add("a2", "A"), []);
    assert.deepEqual(pool.add("a3", "A"), ["a1"]);
    assert.deepEqual(pool.add("b1", "B"), []);
    assert.deepEqual(pool.add("c1", "C"), []);
    assert.deepEqual(pool.add("d1", "D"), ["a2"]);
    assert.equal(pool.size, 4);
    pool.remove("b1");
    pool.remove("nope");
    assert.deepEqual([pool.size, pool.countFrom("B"), pool.countFrom("A")], [3, 0, 1]);
  });
});

describe("command link admission", () => {
  test("sockets whose TLS handshake times out are closed and free their slot", async () => {
    const { server, port } = await hub({ handshakeTimeoutMs: 150 });
    const sockets = await Promise.all([idle(port), idle(port), idle(port)]);
    await Promise.all(sockets.map((s) => once(s, "close")));
    assert.equal(server.stats.closes[CommandCodes.TLS_HANDSHAKE], 3);
    // The server's side of each socket closes a moment after the client's.
    for (let i = 0; i < 400 && server.pendingCount > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(server.pendingCount, 0);
  });

  test("70 idle TCP connections from the vehicle's address do not keep the vehicle out", async () => {
    const { server, port } = await hub({ handshakeTimeoutMs: 60_000 });
    const sockets: Socket[] = [];
    for (let i = 0; i < 70; i++) sockets.push(await idle(port));
    const client = new CommandLinkClient({
      host: "127.0.0.1",
      port,
      credentials: { ca: pki.ca.certPem, cert: pki.vehicle.certPem, key: pki.vehicle.keyPem },
      hubFingerprint: pki.hub.fingerprint,
      clock,
      tuning: { heartbeatMs: 50, timeoutMs: 2000 },
      backoff: { initialMs: 10, maxMs: 100 },
    });
    cleanups.push(() => client.stop());
    const conn = once(server, "connection") as Promise<[VehicleConnection]>;
    client.start();
    const [c] = await conn;
    assert.equal(c.vehicleId, "rov1");
    assert.ok(server.pendingCount <= 8, `pending ${server.pendingCount}`);
    assert.ok((server.stats.closes[CommandCodes.ADMISSION_EVICTED] ?? 0) >= 62);
  });
});
