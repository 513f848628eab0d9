import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, test } from "node:test";
import type { TethysError } from "../../kernel/errors.ts";
import { RealClock } from "../../kernel/real-clock.ts";
import { ONE_SIM_CAMERA } from "../../video/testing/cameras.ts";
import type { AuHeader, SettingsRequest } from "../../video/wire.ts";
import { makeTestPki, type TestPki } from "../command/testing/pki.ts";
import { VideoLinkClient } from "./video-link-client.ts";
import { type VideoLinkServer as Server, VideoLinkServer, type VideoVehicleConnection } from "./video-link-server.ts";

/**
 * The video link over real TLS on loopback: the command link's certificates and pins admit the
 * vehicle (and only it), access units and the camera list arrive whole, the hub's settings
 * request reaches the vehicle, and a client over its write budget drops to the next keyframe.
 */
let pki: TestPki;
const clock = new RealClock();

before(async () => {
  pki = await makeTestPki();
});

async function hub(): Promise<{ server: Server; port: number }> {
  const server = new VideoLinkServer({
    credentials: { ca: pki.ca.certPem, cert: pki.hub.certPem, key: pki.hub.keyPem },
    vehicles: { rov1: pki.vehicle.fingerprint },
    clock,
  });
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port };
}

function vehicle(port: number, cert = pki.vehicle, maxBufferedBytes?: number): VideoLinkClient {
  return new VideoLinkClient({
    host: "127.0.0.1",
    port,
    credentials: { ca: pki.ca.certPem, cert: cert.certPem, key: cert.keyPem },
    hubFingerprint: pki.hub.fingerprint,
    clock,
    backoff: { initialMs: 50, maxMs: 50 },
    ...(maxBufferedBytes === undefined ? {} : { maxBufferedBytes }),
  });
}

const servers: Server[] = [];
const clients: VideoLinkClient[] = [];
after(async () => {
  for (const c of clients) c.stop();
  for (const s of servers) await s.close();
});

test("a pinned vehicle's access units, camera list and the hub's settings request cross the link", async () => {
  const { server, port } = await hub();
  servers.push(server);
  const client = vehicle(port);
  clients.push(client);
  const connected = once(server, "connection") as Promise<[VideoVehicleConnection]>;
  client.start();
  await once(client, "up");
  const [conn] = await connected;
  assert.equal(conn.vehicleId, "rov1");

  const gotList = once(conn, "cameras");
  client.sendCameras(ONE_SIM_CAMERA);
  assert.deepEqual((await gotList)[0], ONE_SIM_CAMERA);

  const units: { header: AuHeader; payload: number[] }[] = [];
  const three = new Promise<void>((resolve) =>
    conn.on("au", (msg, header) => {
      units.push({ header: { ...header }, payload: [...msg.subarray(36)] });
      if (units.length === 3) resolve();
    }),
  );
  const au = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 255);
  const frame = { width: 640, height: 360, captureMicros: 1_000_000 };
  assert.equal(client.sendAccessUnit(0, au(5), { ...frame, keyframe: false }), false, "nothing before a keyframe");
  assert.equal(client.sendAccessUnit(0, au(70_000), { ...frame, keyframe: true }), true);
  assert.equal(client.sendAccessUnit(0, au(10), { ...frame, keyframe: false }), true);
  assert.equal(client.sendAccessUnit(1, au(20), { ...frame, keyframe: true }), true);
  await three;
  assert.deepEqual(
    units.map((u) => [u.header.camera, u.header.seq, u.header.keyframe, u.payload.length]),
    [
      [0, 1, true, 70_000],
      [0, 2, false, 10],
      [1, 1, true, 20],
    ],
  );
  assert.deepEqual(units[0]?.payload, [...au(70_000)]);
  assert.ok((units[0]?.header.sentMicros ?? 0) >= 1_000_000);

  const request: SettingsRequest = {
    vehicle: "rov1",
    camera: 0,
    settings: { width: 1280, height: 720, fps: 30, bitrate_kbps: 3000 },
  };
  const asked = once(client, "settings");
  conn.sendSettings(request);
  assert.deepEqual((await asked)[0], request);

  const keyframe = once(client, "keyframe");
  conn.requestKeyframe(1);
  assert.deepEqual(await keyframe, [1], "the hub's keyframe request reaches the vehicle");
});

test("an unpinned certificate from the pair's CA is refused; the vehicle keeps redialling", async () => {
  const { server, port } = await hub();
  servers.push(server);
  const client = vehicle(port, pki.vehicleUnpinned);
  clients.push(client);
  const rejected = once(server, "rejected") as Promise<[TethysError]>;
  let connections = 0;
  server.on("connection", () => connections++);
  client.start();
  const [err] = await rejected;
  assert.equal(err.code, "CMD_PEER_NOT_PINNED");
  await once(client, "down");
  assert.equal(connections, 0);
  assert.equal(client.up, false);
});

test("a vehicle talking to a hub that is not the pinned one hangs up", async () => {
  const server = new VideoLinkServer({
    credentials: { ca: pki.ca.certPem, cert: pki.hubUnpinned.certPem, key: pki.hubUnpinned.keyPem },
    vehicles: { rov1: pki.vehicle.fingerprint },
    clock,
  });
  servers.push(server);
  const { port } = await server.listen(0, "127.0.0.1");
  const client = vehicle(port);
  clients.push(client);
  let up = false;
  client.on("up", () => {
    up = true;
  });
  client.start();
  await once(client, "down");
  assert.equal(up, false);
});

test("under backpressure a camera drops to its next keyframe instead of queueing", async () => {
  const { server, port } = await hub();
  servers.push(server);
  const client = vehicle(port, pki.vehicle, 65_536);
  clients.push(client);
  const connected = once(server, "connection") as Promise<[VideoVehicleConnection]>;
  client.start();
  await once(client, "up");
  const [conn] = await connected;
  const received: AuHeader[] = [];
  conn.on("au", (_m, h) => received.push({ ...h }));
  const frame = { width: 640, height: 360, captureMicros: 1 };
  const big = new Uint8Array(40_000);
  // Written in one turn: the socket cannot drain, so the third unit is over the budget.
  const verdicts = [
    client.sendAccessUnit(0, big, { ...frame, keyframe: true }),
    client.sendAccessUnit(0, new Uint8Array(10_000), { ...frame, keyframe: false }),
    client.sendAccessUnit(0, big, { ...frame, keyframe: false }),
    client.sendAccessUnit(0, new Uint8Array(100), { ...frame, keyframe: false }),
  ];
  assert.deepEqual(verdicts, [true, true, false, false], "dropped, and the rest of the group with it");
  assert.equal(client.stats.framesDropped, 2);
  await new Promise<void>((resolve) => {
    const check = () => (received.length === 2 ? resolve() : setImmediate(check));
    check();
  });
  // Drained: a delta still waits for the keyframe — and the link asks its camera for one; the
  // keyframe goes and says it follows a gap.
  const wants: number[] = [];
  client.on("keyframe", (camera) => wants.push(camera));
  assert.equal(client.sendAccessUnit(0, new Uint8Array(100), { ...frame, keyframe: false }), false);
  assert.deepEqual(wants, [0]);
  const next = once(conn, "au") as Promise<[Uint8Array, AuHeader]>;
  assert.equal(client.sendAccessUnit(0, new Uint8Array(100), { ...frame, keyframe: true }), true);
  const [, h] = await next;
  assert.equal(h.keyframe, true);
  assert.equal(h.gap, true);
});
