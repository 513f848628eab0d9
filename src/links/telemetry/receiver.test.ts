import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import fc from "fast-check";
import type { SessionInfo } from "../../dtls/server.ts";
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import { decodeFrame, encodeFrame } from "../../protocol/index.ts";
import type { DtlsServer } from "../dtls-server/dtls-server.ts";
import { TelemetryReceiver } from "./receiver.ts";

function rig() {
  const fake = new EventEmitter() as EventEmitter & {
    send: (s: SessionInfo, d: Uint8Array) => void;
    sent: Uint8Array[];
  };
  fake.sent = [];
  fake.send = (_s, d) => fake.sent.push(d.slice());
  const clock = new VirtualClock();
  const rx = new TelemetryReceiver(fake as unknown as DtlsServer, clock, { heartbeatMs: 100 });
  const session: SessionInfo = {
    id: 1,
    peer: { address: "127.0.0.1", port: 5000, family: "IPv4" } as SessionInfo["peer"],
    identity: "rov1",
    state: "established",
  };
  return { fake, clock, rx, session };
}

const hb = (seq: number) => encodeFrame({ type: "heartbeat" }, { seq, timestamp: 0 });

test("random bytes are counted as malformed by code and never throw", () => {
  const r = rig();
  r.fake.emit("established", { session: r.session, identity: "rov1" });
  let n = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1300 }), (data) => {
      n++;
      r.fake.emit("data", { session: r.session, data });
    }),
  );
  const malformed = Object.values(r.rx.counters.malformed).reduce((a, b) => a + b, 0);
  assert.equal(r.rx.counters.received, n);
  assert.equal(malformed + r.rx.counters.delivered + r.rx.counters.stale, n);
  assert.ok(malformed > 0);
});

test("older or repeated sequence numbers are dropped as stale; wrap-around is newer", () => {
  const r = rig();
  const seen: number[] = [];
  r.rx.on("frame", (_id, f) => seen.push(f.seq));
  for (const seq of [5, 6, 6, 4, 7, 0xffffffff]) r.fake.emit("data", { session: r.session, data: hb(seq) });
  assert.deepEqual(seen, [5, 6, 7]);
  const r2 = rig();
  const seen2: number[] = [];
  r2.rx.on("frame", (_id, f) => seen2.push(f.seq));
  for (const seq of [0xfffffffe, 0xffffffff, 0, 1]) r2.fake.emit("data", { session: r2.session, data: hb(seq) });
  assert.deepEqual(seen2, [0xfffffffe, 0xffffffff, 0, 1]);
  assert.equal(r.rx.counters.stale, 3);
});

test("heartbeats go to every established session; up and down follow sessions", () => {
  const r = rig();
  const events: string[] = [];
  r.rx.on("up", (id) => events.push(`up ${id}`));
  r.rx.on("down", (id) => events.push(`down ${id}`));
  r.fake.emit("established", { session: r.session, identity: "rov1" });
  r.clock.advance(250);
  assert.equal(r.fake.sent.length, 2);
  assert.equal(decodeFrame(r.fake.sent[0] as Uint8Array).message.type, "heartbeat");
  r.fake.emit("closed", { session: r.session, code: "idle", message: "idle timeout" });
  r.clock.advance(200);
  assert.equal(r.fake.sent.length, 2, "no heartbeats to a closed session");
  assert.deepEqual(events, ["up rov1", "down rov1"]);
  assert.equal(r.rx.isUp("rov1"), false);
  r.rx.stop();
});
