import assert from "node:assert/strict";
import { once } from "node:events";
import { after, test } from "node:test";
import { UdpTetherProxy } from "../../simulator/tether/udp-proxy.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { DtlsLink } from "../../src/links/dtls-client/dtls-link.ts";
import { nodeDtlsSessionFactory } from "../../src/links/dtls-client/node-dtls-session.ts";
import type { LinkSnapshot } from "../../src/links/dtls-client/types.ts";
import { DtlsServer } from "../../src/links/dtls-server/dtls-server.ts";
import { TelemetryReceiver } from "../../src/links/telemetry/receiver.ts";
import { type DecodedFrame, decodeFrame, encodeFrame, type MessageOf } from "../../src/protocol/index.ts";
import { sampleTelemetry } from "../../src/protocol/testing/sample-telemetry.ts";

/**
 * The telemetry path end to end on loopback: schema frames from the vehicle's DTLS link
 * (node-dtls-client) to Tethys's own DTLS server and the hub's receiver, one frame per record,
 * heartbeats back; then the same through the tether emulator at 20 % loss with reordering and
 * duplication.
 */
const clock = new RealClock();
const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff);
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function frame(seq: number, depth: number): Uint8Array {
  return encodeFrame(sampleTelemetry({ depth }), { seq, timestamp: clock.wallMicros() });
}

async function hub() {
  const server = new DtlsServer({ psk: { rov1: key }, host: "127.0.0.1", port: 0 }, clock);
  const addr = await server.listen();
  const receiver = new TelemetryReceiver(server, clock, { heartbeatMs: 100 });
  cleanups.push(async () => {
    receiver.stop();
    await server.close();
  });
  return { server, receiver, port: addr.port };
}

function vehicleLink(port: number, extra: { stallTimeoutMs?: number } = {}) {
  const link = new DtlsLink({
    address: "127.0.0.1",
    port,
    identity: "rov1",
    key,
    clock,
    factory: nodeDtlsSessionFactory,
    handshakeTimeoutMs: 1500,
    ...extra,
  });
  cleanups.push(() => link.stop());
  return link;
}

function until(link: DtlsLink, state: LinkSnapshot["state"]): Promise<void> {
  if (link.snapshot().state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const on = (s: LinkSnapshot) => {
      if (s.state === state) {
        link.off("state", on);
        resolve();
      }
    };
    link.on("state", on);
  });
}

test("telemetry frames reach the hub decoded, and hub heartbeats reach the vehicle", async () => {
  const h = await hub();
  const link = vehicleLink(h.port);
  const heartbeat = once(link, "message");
  link.start();
  await until(link, "up");
  const got: DecodedFrame[] = [];
  const ten = new Promise<void>((resolve) =>
    h.receiver.on("frame", (identity, f) => {
      assert.equal(identity, "rov1");
      got.push(f);
      if (got.length === 10) resolve();
    }),
  );
  for (let i = 0; i < 10; i++) assert.ok(link.send(frame(i, i / 10)));
  await ten;
  assert.deepEqual(
    got.map((f) => f.seq),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.equal((got[3]?.message as MessageOf<"telemetry"> | undefined)?.depth, Math.fround(0.3));
  const [hb] = (await heartbeat) as [Uint8Array];
  assert.equal(decodeFrame(hb).message.type, "heartbeat");
  assert.equal(h.receiver.isUp("rov1"), true);
});

test("through the tether at 20 % loss with reordering and duplication: handshake completes, telemetry flows, nothing is delivered twice", async () => {
  const h = await hub();
  const impair = { loss: 0.2, reorder: 0.2, reorderGapMs: 15, duplicate: 0.2, delayMs: 5, jitterMs: 3 };
  const proxy = await UdpTetherProxy.start({
    target: { host: "127.0.0.1", port: h.port },
    clock,
    up: impair,
    down: impair,
    seed: 7,
  });
  cleanups.push(() => proxy.close());
  const link = vehicleLink(proxy.address().port, { stallTimeoutMs: 0 });
  link.start();
  await until(link, "up");

  const seqs: number[] = [];
  h.receiver.on("frame", (_id, f) => seqs.push(f.seq));
  // A 50 Hz telemetry stream (the agent's top rate), paced by a timer as the agent's loop is.
  const total = 250;
  await new Promise<void>((resolve) => {
    let i = 0;
    const t = clock.setInterval(20, () => {
      link.send(frame(i++, 1));
      if (i === total) {
        t.cancel();
        resolve();
      }
    });
  });
  // Flush: on each hub heartbeat that makes it through, send a marker record, until one marker
  // arrives. Everything sent before it has then either arrived or been lost for good.
  await new Promise<void>((resolve) => {
    let marker = total;
    const onFrame = (_id: string, f: DecodedFrame) => {
      if (f.seq >= total) {
        link.off("message", onHeartbeat);
        h.receiver.off("frame", onFrame);
        resolve();
      }
    };
    const onHeartbeat = () => link.send(frame(marker++, 1));
    h.receiver.on("frame", onFrame);
    link.on("message", onHeartbeat);
  });
  const withMarkers = seqs.length;
  while (seqs.length > 0 && (seqs[seqs.length - 1] as number) >= total) seqs.pop();
  assert.ok(seqs.length > total * 0.5, `only ${seqs.length} of ${total} delivered`);
  assert.equal(new Set(seqs).size, seqs.length, "a record was delivered twice");
  for (let i = 1; i < seqs.length; i++)
    assert.ok((seqs[i] as number) > (seqs[i - 1] as number), "delivered out of order");
  const c = h.server.counters;
  const droppedDupes = c.dropped.replayed + h.receiver.counters.stale;
  assert.ok(droppedDupes > 0, "duplicates were neither seen nor dropped");
  assert.equal(h.receiver.counters.delivered, withMarkers, "every delivered frame was counted");
});
