import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { McuBridge } from "../../firmware-bridge/bridge/mcu-bridge.ts";
import { FakeMcu } from "../../firmware-bridge/bridge/testing/fake-mcu.ts";
import { MemorySerialPair } from "../../firmware-bridge/bridge/testing/memory-link.ts";
import type { Message } from "../../firmware-bridge/protocol/messages.ts";
import { PROTOCOL_VERSION } from "../../firmware-bridge/protocol/version.ts";
import type { SerialLink } from "../../hardware/ports/serial-link.ts";
import { isTethysError } from "../kernel/errors.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { McuThrusterOutput } from "./mcu-output.ts";

class FakeAgent {
  armed = false;
  readonly blockers = new Map<string, string>();
  setArmBlocker(code: string, reason: string | undefined): void {
    if (reason === undefined) this.blockers.delete(code);
    else this.blockers.set(code, reason);
  }
}

async function setup(o: { proto?: number; channelOf?: number[]; channels?: number[] } = {}) {
  const clock = new VirtualClock();
  const pair = new MemorySerialPair();
  await pair.b.open();
  const mcu = new FakeMcu(pair.b);
  if (o.proto !== undefined) mcu.proto = o.proto;
  const bridge = new McuBridge({ link: pair.a, clock, backoff: { initialMs: 100, maxMs: 1000, factor: 2 } });
  const out = new McuThrusterOutput({
    bridge,
    channels: o.channels ?? [0, 1, 2, 3, 4, 5],
    ...(o.channelOf ? { channelOf: o.channelOf } : {}),
  });
  const agent = new FakeAgent();
  out.attach(agent);
  bridge.start();
  await clock.advanceAsync(0);
  return { clock, pair, mcu, bridge, out, agent };
}

const sent = (mcu: FakeMcu, name: Message["name"]) => mcu.received.filter((m) => m.name === name);
const lastPulses = (mcu: FakeMcu) => (sent(mcu, "thrusters").at(-1)?.fields as { us: number[] } | undefined)?.us;

test("commands map to pulses on the profile's channels through the frame's wiring", async () => {
  const { mcu, bridge, out, clock } = await setup({ channels: [2, 3, 4, 5, 6, 7], channelOf: [1, 0, 2, 3, 4, 5] });
  out.set(Float64Array.of(1, -1, 0.5, Number.NaN, -0.25, 0));
  await clock.advanceAsync(0);
  // thruster 0 → output 1 → MCU channel 3; thruster 1 → output 0 → channel 2
  assert.deepEqual(lastPulses(mcu), [1500, 1500, 1100, 1900, 1700, 1500, 1400, 1500]);
  await bridge.stop();
});

test("the MCU's arm state follows the agent's, and again after a reconnect", async () => {
  const { mcu, bridge, out, agent, clock, pair } = await setup();
  out.set(new Float64Array(6));
  await clock.advanceAsync(0);
  assert.equal(sent(mcu, "arm").length, 0, "a disarmed agent sends no arm");
  agent.armed = true;
  out.set(Float64Array.of(0.5, 0, 0, 0, 0, 0));
  out.set(Float64Array.of(0.5, 0, 0, 0, 0, 0));
  await clock.advanceAsync(0);
  assert.deepEqual(
    sent(mcu, "arm").map((m) => m.fields),
    [{ armed: 1 }],
  );
  pair.unplug();
  assert.equal(agent.blockers.get("MCU_LINK_DOWN"), "MCU link is connecting");
  pair.replug();
  await pair.b.open();
  await clock.advanceAsync(200);
  assert.equal(bridge.state, "ready");
  assert.equal(agent.blockers.size, 0, "blockers lifted once ready");
  out.set(Float64Array.of(0.5, 0, 0, 0, 0, 0));
  await clock.advanceAsync(0);
  assert.deepEqual(
    sent(mcu, "arm").map((m) => m.fields),
    [{ armed: 1 }, { armed: 1 }],
    "re-armed after the handshake",
  );
  agent.armed = false;
  out.set(new Float64Array(6));
  await clock.advanceAsync(0);
  assert.deepEqual(sent(mcu, "arm").at(-1)?.fields, { armed: 0 });
  await bridge.stop();
});

test("a protocol mismatch blocks arming with MCU_VERSION_MISMATCH and never arms the MCU", async () => {
  const { mcu, bridge, out, agent, clock } = await setup({ proto: PROTOCOL_VERSION + 1 });
  assert.equal(bridge.state, "version-mismatch");
  assert.match(agent.blockers.get("MCU_VERSION_MISMATCH") ?? "", new RegExp(`protocol ${PROTOCOL_VERSION + 1}`));
  assert.equal(agent.blockers.has("MCU_LINK_DOWN"), false);
  agent.armed = true; // even if the agent were armed by mistake
  out.set(Float64Array.of(1, 1, 1, 1, 1, 1));
  await clock.advanceAsync(0);
  assert.equal(sent(mcu, "arm").length, 0);
  assert.equal(sent(mcu, "thrusters").length, 0);
  await bridge.stop();
});

test("before the link is up arming is blocked with MCU_LINK_DOWN", async () => {
  const clock = new VirtualClock();
  const pair = new MemorySerialPair();
  pair.present = false;
  const bridge = new McuBridge({ link: pair.a, clock, backoff: { initialMs: 100, maxMs: 1000, factor: 2 } });
  const out = new McuThrusterOutput({ bridge, channels: [0, 1] });
  const agent = new FakeAgent();
  out.attach(agent);
  assert.equal(agent.blockers.get("MCU_LINK_DOWN"), "MCU link is stopped");
  bridge.start();
  await clock.advanceAsync(0);
  assert.match(agent.blockers.get("MCU_LINK_DOWN") ?? "", /connecting/);
  await out.neutral(); // resolves off the link: nothing to wait for
  await bridge.stop();
});

test("neutral() disarms the MCU and resolves on its acknowledgement, with neutral pulses handed over", async () => {
  const { mcu, bridge, out, agent, clock } = await setup();
  agent.armed = true;
  out.set(Float64Array.of(1, 1, 1, 1, 1, 1));
  await clock.advanceAsync(0);
  agent.armed = false;
  await out.neutral();
  assert.deepEqual(sent(mcu, "arm").at(-1)?.fields, { armed: 0 });
  await clock.advanceAsync(0);
  assert.deepEqual(lastPulses(mcu)?.slice(0, 6), [1500, 1500, 1500, 1500, 1500, 1500]);
  await bridge.stop();
});

test("wiring outside the board's outputs or channels is refused", () => {
  const clock = new VirtualClock();
  const bridge = new McuBridge({ link: new MemorySerialPair().a, clock });
  const wiring = (e: unknown) => isTethysError(e, "VEHICLE_WIRING");
  assert.throws(() => new McuThrusterOutput({ bridge, channels: [0, 1], channelOf: [0, 2] }), wiring);
  assert.throws(() => new McuThrusterOutput({ bridge, channels: [0, 8] }), wiring);
  assert.throws(() => new McuThrusterOutput({ bridge, channels: [] }), wiring);
});

test("any command values give integer pulses inside the ESC range (property)", async () => {
  const { mcu, bridge, out, agent, clock } = await setup();
  agent.armed = true;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.double(), { minLength: 0, maxLength: 8 }), async (xs) => {
      out.set(Float64Array.from(xs));
      await clock.advanceAsync(0);
      const us = lastPulses(mcu) ?? [];
      assert.equal(us.length, 8);
      for (const v of us) assert.ok(Number.isInteger(v) && v >= 1100 && v <= 1900, `pulse ${v}`);
    }),
    { numRuns: 200 },
  );
  await bridge.stop();
});

test("written() resolves once the newest setpoint's frame is written to the port, not an older one's", async () => {
  const clock = new VirtualClock();
  const pair = new MemorySerialPair();
  await pair.b.open();
  const mcu = new FakeMcu(pair.b);
  // The host end, with writes held until released once `hold` is on.
  let hold = false;
  const held: (() => void)[] = [];
  const a = pair.a;
  const link: SerialLink = {
    path: a.path,
    get isOpen() {
      return a.isOpen;
    },
    open: () => a.open(),
    close: () => a.close(),
    onData: (l) => a.onData(l),
    onClose: (l) => a.onClose(l),
    write: (data) => {
      const r = a.write(data);
      return hold ? new Promise<void>((resolve) => held.push(() => resolve(r))) : r;
    },
  };
  const bridge = new McuBridge({ link, clock });
  const out = new McuThrusterOutput({ bridge, channels: [0, 1, 2, 3, 4, 5] });
  out.attach(new FakeAgent());
  bridge.start();
  await clock.advanceAsync(0);
  assert.equal(bridge.state, "ready");
  await out.written(); // nothing pending: at once

  hold = true;
  out.set(Float64Array.of(1, 0, 0, 0, 0, 0)); // its frame is being written (held)
  out.set(Float64Array.of(-1, 0, 0, 0, 0, 0)); // waits for the port
  let done = false;
  const w = out.written().then(() => {
    done = true;
  });
  await clock.advanceAsync(0);
  assert.equal(done, false, "the first frame is still being written");
  assert.equal(held.length, 1);
  held.shift()?.();
  await clock.advanceAsync(0);
  assert.equal(done, false, "the first frame is written, the newest is not");
  assert.equal(held.length, 1, "the newest frame is being written");
  held.shift()?.();
  await w;
  await clock.advanceAsync(0);
  assert.equal(lastPulses(mcu)?.[0], 1100, "the newest setpoint reached the MCU");

  // A setpoint dropped by a link that is not ready is never written: written() does not hang on it.
  out.set(Float64Array.of(0.5, 0, 0, 0, 0, 0));
  let dropped = false;
  const d = out.written().then(() => {
    dropped = true;
  });
  hold = false;
  pair.unplug();
  await clock.advanceAsync(0);
  await d;
  assert.equal(dropped, true);
  out.set(Float64Array.of(0.5, 0, 0, 0, 0, 0));
  await out.written();
  for (const release of held.splice(0)) release();
  out.close();
  await bridge.stop();
});
