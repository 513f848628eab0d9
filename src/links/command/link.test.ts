import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { connect, createServer, type TLSSocket } from "node:tls";
import type { TethysError } from "../../kernel/errors.ts";
import { RealClock } from "../../kernel/real-clock.ts";
import type { Issued } from "../../keys/certificates.ts";
import { encodeFrame, type Message, type MessageOf } from "../../protocol/index.ts";
import { CommandLinkClient, type CommandLinkClientOptions } from "./client.ts";
import type { LinkTuning } from "./options.ts";
import { tlsBase } from "./peer.ts";
import { CommandLinkServer, type VehicleConnection } from "./server.ts";
import { makeTestPki, type TestPki } from "./testing/pki.ts";

let pki: TestPki;
before(async () => {
  pki = await makeTestPki();
});

const clock = new RealClock();
const fast: Partial<LinkTuning> = { heartbeatMs: 50, timeoutMs: 2000 };
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const pilot = (surge: number): MessageOf<"pilot"> => ({
  type: "pilot",
  surge,
  sway: 0,
  heave: 0,
  yaw: 0,
  pitch: 0,
  roll: 0,
  gain: 1,
});

async function hub(cert: Issued = pki.hub, pinned: Issued = pki.vehicle, port = 0, t: Partial<LinkTuning> = fast) {
  const server = new CommandLinkServer({
    credentials: { ca: pki.ca.certPem, cert: cert.certPem, key: cert.keyPem },
    vehicles: { rov1: pinned.fingerprint },
    clock,
    tuning: t,
  });
  const addr = await server.listen(port, "127.0.0.1");
  cleanups.push(() => server.close());
  return { server, port: addr.port };
}

function vehicle(
  port: number,
  cert: Issued = pki.vehicle,
  hubPin: Issued = pki.hub,
  t: Partial<LinkTuning> = fast,
  dial?: CommandLinkClientOptions["dial"],
) {
  const client = new CommandLinkClient({
    host: "127.0.0.1",
    port,
    credentials: { ca: pki.ca.certPem, cert: cert.certPem, key: cert.keyPem },
    hubFingerprint: hubPin.fingerprint,
    clock,
    tuning: t,
    backoff: { initialMs: 10, maxMs: 100 },
    ...(dial === undefined ? {} : { dial }),
  });
  cleanups.push(() => client.stop());
  return client;
}

test("vehicle and hub connect, exchange messages both ways with header timestamps, measure rtt", async () => {
  const { server, port } = await hub();
  const client = vehicle(port);
  const conn = once(server, "connection") as Promise<[VehicleConnection]>;
  const up = once(client, "up");
  client.start();
  const [[c]] = await Promise.all([conn, up]);
  assert.equal(c.vehicleId, "rov1");
  assert.equal(client.state, "up");

  const cmd = once(client, "command") as Promise<[Message, { timestamp: number; receivedMicros: number }]>;
  c.send({ type: "mode", mode: "depth-hold", targetDepth: 12 });
  const [m, meta] = await cmd;
  assert.deepEqual(m, { type: "mode", mode: "depth-hold", targetDepth: 12 });
  assert.ok(meta.receivedMicros >= meta.timestamp);

  const msg = once(c, "message") as Promise<[Message]>;
  client.send({ type: "event", severity: "info", code: "ARMED", text: "armed by pilot" });
  assert.deepEqual((await msg)[0], { type: "event", severity: "info", code: "ARMED", text: "armed by pilot" });
  assert.ok(client.stats.rttMs !== undefined && client.stats.rttMs >= 0);
  const closed = once(c, "close") as Promise<[string, TethysError]>;
  client.stop();
  const [code, err] = await closed;
  assert.equal(code, "CMD_PEER_LEFT", "the vehicle said it was stopping before it closed");
  assert.equal(err.details?.peerReason, "vehicle stopping");
  const totals = server.totals();
  assert.ok(totals.framesIn >= 2, "the closed connection's frames stay in the hub's totals");
  assert.equal(totals.closes.CMD_PEER_LEFT, 1);
});

test("a vehicle whose connection just ends, without saying it is leaving, is CMD_PEER_CLOSED at the hub", async () => {
  const { server, port } = await hub();
  let socket: TLSSocket | undefined;
  const client = vehicle(port, pki.vehicle, pki.hub, fast, (o) => {
    socket = connect(o);
    return socket;
  });
  const conn = once(server, "connection") as Promise<[VehicleConnection]>;
  client.start();
  const [[c]] = await Promise.all([conn, once(client, "up")]);
  const closed = once(c, "close") as Promise<[string]>;
  socket?.end(); // the vehicle's process gone: its kernel closes the connection, nothing said
  assert.equal((await closed)[0], "CMD_PEER_CLOSED");
  client.stop();
});

test("stopping the hub: the vehicle hears it is leaving (CMD_PEER_LEFT), and the hub's close waits for the vehicle's end", async () => {
  const { server, port } = await hub();
  const client = vehicle(port);
  client.start();
  await once(client, "up");
  const down = once(client, "down") as Promise<[TethysError]>;
  await server.close();
  const [err] = await down;
  assert.equal(err.code, "CMD_PEER_LEFT");
  assert.equal(err.details?.peerReason, "hub stopping");
  assert.equal(server.connections().size, 0);
  client.stop();
});

async function refused(hubCert: Issued, hubPinned: Issued, vehCert: Issued, vehPin: Issued) {
  const { server, port } = await hub(hubCert, hubPinned);
  const client = vehicle(port, vehCert, vehPin);
  const rejected = once(server, "rejected") as Promise<[TethysError]>;
  const attempt = once(client, "attempt") as Promise<[TethysError]>;
  client.start();
  const [[hubSide], [vehicleSide]] = await Promise.all([rejected, attempt]);
  client.stop();
  return { hubSide, vehicleSide };
}

test("a vehicle certificate from another CA is refused: CMD_PEER_UNTRUSTED at the hub, told to the vehicle", async () => {
  const r = await refused(pki.hub, pki.vehicle, pki.foreignVehicle, pki.hub);
  assert.equal(r.hubSide.code, "CMD_PEER_UNTRUSTED");
  assert.equal(r.vehicleSide.code, "CMD_REJECTED_BY_PEER");
  assert.equal(r.vehicleSide.details?.peerCode, "CMD_PEER_UNTRUSTED");
});

test("a hub certificate from another CA is refused: CMD_PEER_UNTRUSTED at the vehicle, told to the hub", async () => {
  const r = await refused(pki.foreignHub, pki.vehicle, pki.vehicle, pki.foreignHub);
  assert.equal(r.vehicleSide.code, "CMD_PEER_UNTRUSTED");
  assert.equal(r.hubSide.code, "CMD_REJECTED_BY_PEER");
  assert.equal(r.hubSide.details?.peerCode, "CMD_PEER_UNTRUSTED");
});

test("an unpinned vehicle certificate from the pair's CA is refused: CMD_PEER_NOT_PINNED", async () => {
  const r = await refused(pki.hub, pki.vehicle, pki.vehicleUnpinned, pki.hub);
  assert.equal(r.hubSide.code, "CMD_PEER_NOT_PINNED");
  assert.equal(r.vehicleSide.code, "CMD_REJECTED_BY_PEER");
  assert.equal(r.vehicleSide.details?.peerCode, "CMD_PEER_NOT_PINNED");
});

test("an unpinned hub certificate from the pair's CA is refused: CMD_PEER_NOT_PINNED", async () => {
  const r = await refused(pki.hubUnpinned, pki.vehicle, pki.vehicle, pki.hub);
  assert.equal(r.vehicleSide.code, "CMD_PEER_NOT_PINNED");
  assert.equal(r.hubSide.code, "CMD_REJECTED_BY_PEER");
  assert.equal(r.hubSide.details?.peerCode, "CMD_PEER_NOT_PINNED");
});

test("a vehicle id with no pin, or a hub not named hub, is refused: CMD_PEER_UNKNOWN", async () => {
  const v = await refused(pki.hub, pki.vehicle, pki.strangerVehicle, pki.hub);
  assert.equal(v.hubSide.code, "CMD_PEER_UNKNOWN");
  assert.equal(v.hubSide.details?.commonName, "rov9");
  assert.equal(v.vehicleSide.details?.peerCode, "CMD_PEER_UNKNOWN");
  const h = await refused(pki.strangerHub, pki.vehicle, pki.vehicle, pki.strangerHub);
  assert.equal(h.vehicleSide.code, "CMD_PEER_UNKNOWN");
  assert.equal(h.hubSide.details?.peerCode, "CMD_PEER_UNKNOWN");
});

test("a client that offers only TLS 1.2 is refused with CMD_TLS_HANDSHAKE", async () => {
  const { server, port } = await hub();
  const rejected = once(server, "rejected") as Promise<[TethysError]>;
  const s = connect({
    host: "127.0.0.1",
    port,
    ...tlsBase({ ca: pki.ca.certPem, cert: pki.vehicle.certPem, key: pki.vehicle.keyPem }),
    minVersion: "TLSv1.2",
    maxVersion: "TLSv1.2",
  });
  s.on("error", () => {});
  const [err] = await rejected;
  assert.equal(err.code, "CMD_TLS_HANDSHAKE");
  s.destroy();
});

test("garbage from an authenticated vehicle is dropped and counted; the hub serves the next vehicle", async () => {
  const { server, port } = await hub();
  const creds = tlsBase({ ca: pki.ca.certPem, cert: pki.vehicle.certPem, key: pki.vehicle.keyPem });
  const s = connect({ host: "127.0.0.1", port, ...creds });
  s.on("error", () => {});
  s.resume();
  await once(s, "secureConnect");
  // A valid heartbeat first (the hub then counts the vehicle as up), then junk frames, then an oversize length.
  const hb = encodeFrame({ type: "heartbeat" }, { seq: 0, timestamp: clock.wallMicros() });
  const conn = once(server, "connection") as Promise<[VehicleConnection]>;
  s.write(Buffer.concat([Buffer.from([hb.length, 0]), hb]));
  const [c] = await conn;
  const drops: string[] = [];
  c.on("drop", (e) => drops.push(e.code));
  const connClosed = once(c, "close") as Promise<[string]>;
  s.write(Buffer.from([3, 0, 1, 2, 3, 16, 0, ...new Array(16).fill(0xff)]));
  s.write(Buffer.from([0xff, 0xff]));
  assert.equal((await connClosed)[0], "CMD_FRAME_TOO_LARGE");
  assert.deepEqual(drops, ["CMD_BAD_FRAME", "CMD_BAD_FRAME"]);
  assert.equal(c.stats.drops.CMD_BAD_FRAME, 2);
  s.destroy();
  // The hub is alive and accepts the real vehicle.
  const client = vehicle(port);
  const next = once(server, "connection");
  client.start();
  await next;
});

/** A hand-driven hub: real TLS with the hub's certificate, frames written by the test. */
async function rawHub(onSocket: (s: TLSSocket, write: (m: Message, seq: number, ts?: number) => void) => void) {
  const server = createServer(
    { ...tlsBase({ ca: pki.ca.certPem, cert: pki.hub.certPem, key: pki.hub.keyPem }), requestCert: true },
    (s) => {
      const write = (m: Message, seq: number, ts = clock.wallMicros()): void => {
        const f = encodeFrame(m, { seq, timestamp: ts });
        s.write(Buffer.concat([Buffer.from([f.length & 0xff, f.length >> 8]), f]));
      };
      s.on("error", () => {});
      s.resume(); // read (and ignore) the vehicle's pings, so its close is seen
      onSocket(s, write);
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { server, port: (server.address() as AddressInfo).port };
}

test("over real TLS: a replayed, a reordered and a stale command are refused and counted", async () => {
  const { port } = await rawHub((_s, write) => {
    write({ type: "heartbeat" }, 0);
    write({ type: "arm" }, 5);
    write({ type: "arm" }, 5);
    write(pilot(0.1), 3);
    write(pilot(0.2), 6, clock.wallMicros() - 60_000_000);
    write({ type: "disarm" }, 7);
  });
  const client = vehicle(port, pki.vehicle, pki.hub, { ...fast, maxCommandAgeMs: 500, clockSkewMs: 250 });
  const got: string[] = [];
  const drops: string[] = [];
  client.on("drop", (e) => drops.push(e.code));
  const done = new Promise<void>((resolve) =>
    client.on("command", (m) => {
      got.push(m.type);
      if (m.type === "disarm") resolve();
    }),
  );
  client.start();
  await done;
  assert.deepEqual(got, ["arm", "disarm"]);
  assert.deepEqual(drops, ["CMD_REPLAY", "CMD_OUT_OF_ORDER", "CMD_STALE"]);
  assert.deepEqual(client.stats.drops, { CMD_REPLAY: 1, CMD_OUT_OF_ORDER: 1, CMD_STALE: 1 });
});

test("a hub that goes quiet → down with CMD_HEARTBEAT_TIMEOUT", async () => {
  const { port } = await rawHub((_s, write) => write({ type: "heartbeat" }, 0));
  const client = vehicle(port, pki.vehicle, pki.hub, { heartbeatMs: 20, timeoutMs: 150 });
  const up = once(client, "up");
  const down = once(client, "down") as Promise<[TethysError]>;
  client.start();
  await up;
  assert.equal((await down)[0].code, "CMD_HEARTBEAT_TIMEOUT");
});

test("the hub goes away → down; when it returns on the same port the vehicle reconnects by itself", async () => {
  const first = await hub();
  const client = vehicle(first.port);
  client.start();
  await once(client, "up");
  const down = once(client, "down") as Promise<[TethysError]>;
  await first.server.close();
  const [err] = await down;
  assert.equal(err.code, "CMD_PEER_LEFT");
  const failures: string[] = [];
  client.on("attempt", (e) => failures.push(e.code));
  const second = await hub(pki.hub, pki.vehicle, first.port);
  const conn = once(second.server, "connection");
  await once(client, "up");
  await conn;
  assert.equal(client.state, "up");
  assert.ok(failures.every((c) => c === "CMD_CONNECT_FAILED"));
});

test("over real TLS: 1000 pilots while the vehicle's reader is paused → bounded queue, newest delivered last", async () => {
  const t = {
    heartbeatMs: 100,
    timeoutMs: 10_000,
    queueCapacity: 16,
    rate: { ratePerSec: 1e6, burst: 1e6, abuseDrops: 1e6, abuseWindowMs: 1000 },
  };
  const { server, port } = await hub(pki.hub, pki.vehicle, 0, t);
  const client = vehicle(port, pki.vehicle, pki.hub, t);
  const conn = once(server, "connection") as Promise<[VehicleConnection]>;
  client.start();
  const [c] = await conn;
  await once(client, "up");
  const surges: number[] = [];
  client.on("command", (m) => {
    if (m.type === "pilot") surges.push(m.surge);
  });
  client.pauseReading();
  let i = 0;
  // Fill the socket until it pushes back (the vehicle reads nothing).
  while (c.flowing && i < 1_000_000) c.send(pilot((i++ % 100) / 100));
  assert.equal(c.flowing, false);
  for (let k = 0; k < 1000; k++) c.send(pilot(k / 1000));
  assert.ok(c.queued <= 16);
  assert.deepEqual(c.queuedTypes(), ["pilot"]);
  const newest = Math.fround(999 / 1000);
  const last = new Promise<void>((resolve) =>
    client.on("command", (m) => {
      if (m.type === "pilot" && m.surge === newest) resolve();
    }),
  );
  client.resumeReading();
  await last;
  assert.equal(surges.at(-1), newest);
  assert.ok(surges.length < i + 1000, "superseded pilots were never sent");
  assert.equal(c.stats.drops.CMD_SUPERSEDED, 999);
});
