import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SerialportLink } from "../../hardware/linux/serialport-link.ts";
import { isTethysError } from "../../src/kernel/errors.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { requireTool } from "../../test/support/tools.ts";
import { type BridgeState, McuBridge } from "../bridge/mcu-bridge.ts";
import type { McuTelemetry } from "../bridge/telemetry.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import { HostMcu } from "./host-mcu.ts";

const skip = requireTool("make", "make") ?? requireTool("cc", "gcc") ?? requireTool("socat", "socat");

function until<T>(subscribe: (fn: (v: T) => void) => () => void, pred: (v: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const off = subscribe((v) => {
      if (pred(v)) {
        off();
        resolve(v);
      }
    });
  });
}

describe("host firmware behind a pty, driven by the real serial backend", { skip, timeout: 30_000 }, () => {
  let mcu: HostMcu;
  let bridge: McuBridge;
  before(async () => {
    mcu = await HostMcu.start();
    bridge = new McuBridge({
      link: new SerialportLink({ path: mcu.path, baudRate: 115200 }),
      clock: new RealClock(),
      backoff: { initialMs: 20, maxMs: 200, factor: 2 },
      handshakeTimeoutMs: 1000,
    });
  });
  after(async () => {
    await bridge.stop();
    await mcu.stop();
  });

  test("handshake, arm, thrusters reach the firmware's pulse outputs, telemetry and ping", async () => {
    const ready = until<BridgeState>(
      (f) => bridge.onState.on(f),
      (s) => s === "ready",
    );
    bridge.start();
    await ready;
    assert.equal(bridge.mcu?.proto, PROTOCOL_VERSION);
    assert.equal(bridge.mcu?.watchdogMs, 500);
    const telemetry = until<McuTelemetry>(
      (f) => bridge.onTelemetry.on(f),
      () => true,
    );
    await bridge.arm(true);
    const moved = until<number[]>(
      (f) => mcu.onPulses.on(f),
      (us) => us[0] === 1650,
    );
    bridge.setThrusters([1650, 1350, 1500, 1500, 1500, 1500]);
    assert.deepEqual(await moved, [1650, 1350, 1500, 1500, 1500, 1500, 1500, 1500]);
    const lit = until<{ lightsUs: number }>(
      (f) => mcu.onReport.on(f),
      (r) => r.lightsUs === 1900,
    );
    await bridge.setLights(1000);
    await lit;
    const t = await telemetry;
    assert.ok(t.hostSynced);
    assert.ok(Math.abs(t.supplyV - 16.021) < 0.01, String(t.supplyV));
    const rtt = await bridge.ping();
    assert.ok(rtt >= 0);
    assert.equal(bridge.stats.crcErrors, 0);
    await bridge.arm(false);
  });

  test("simulated analog and leak inputs reach the agent through the firmware's telemetry", async () => {
    assert.equal(bridge.state, "ready");
    const leaking = until<McuTelemetry>(
      (f) => bridge.onTelemetry.on(f),
      (t) => t.leak,
    );
    mcu.setInputs({ supplyV: 14.8, currentA: 12.5, tempC: 41, leak: true });
    const t = await leaking;
    assert.ok(Math.abs(t.supplyV - 14.8) < 0.06, `supply ${t.supplyV}`);
    assert.ok(Math.abs(t.currentA - 12.5) < 0.15, `current ${t.currentA}`);
    assert.ok(Math.abs(t.tempC - 41) < 0.6, `temperature ${t.tempC}`);
    assert.throws(
      () => mcu.setInputs({ supplyV: -1, currentA: 0, tempC: 20, leak: false }),
      (e: unknown) => isTethysError(e, "MCU_BAD_VALUE"),
    );
    const dry = until<McuTelemetry>(
      (f) => bridge.onTelemetry.on(f),
      (x) => !x.leak,
    );
    mcu.setInputs({ supplyV: 16, currentA: 1, tempC: 25, leak: false });
    await dry;
  });

  test("a crashed firmware process is reported and can be started again", async () => {
    const crashed = until<number | string>(
      (f) => mcu.onCrash.on(f),
      () => true,
    );
    const lost = until<BridgeState>(
      (f) => bridge.onState.on(f),
      (s) => s !== "ready",
    );
    process.kill(mcu.pid as number, "SIGKILL");
    assert.equal(await crashed, "SIGKILL");
    assert.equal(mcu.running, false);
    await mcu.unplug(); // socat too: the port goes away
    await lost;
    const back = until<BridgeState>(
      (f) => bridge.onState.on(f),
      (s) => s === "ready",
    );
    await mcu.replug();
    await back;
  });

  test("unplug/replug on the same path: the bridge reconnects and handshakes again", async () => {
    assert.equal(bridge.state, "ready");
    const handshakes = bridge.stats.connects;
    const lost = until<BridgeState>(
      (f) => bridge.onState.on(f),
      (s) => s === "connecting",
    );
    await mcu.unplug();
    await lost;
    const back = until<BridgeState>(
      (f) => bridge.onState.on(f),
      (s) => s === "ready",
    );
    await mcu.replug();
    await back;
    assert.equal(bridge.stats.connects, handshakes + 1);
    assert.ok(bridge.stats.disconnects >= 1);
    await bridge.arm(true);
    const moved = until<number[]>(
      (f) => mcu.onPulses.on(f),
      (us) => us[2] === 1800,
    );
    bridge.setThrusters([1500, 1500, 1800]);
    await moved;
    await bridge.arm(false);
  });
});
