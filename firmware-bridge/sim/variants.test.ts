import assert from "node:assert/strict";
import { after, test } from "node:test";
import { SerialportLink } from "../../hardware/linux/serialport-link.ts";
import { isTethysError } from "../../src/kernel/errors.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { requireTool } from "../../test/support/tools.ts";
import { type BridgeState, McuBridge } from "../bridge/mcu-bridge.ts";
import { ensureHostBuild } from "../firmware/build.ts";
import { EVENT_CODE, PULSE_NEUTRAL_US } from "../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import { type FirmwareEvent, HostMcu } from "./host-mcu.ts";

const skip = requireTool("make", "make") ?? requireTool("cc", "gcc") ?? requireTool("socat", "socat");

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function connect(binary: string, settle: BridgeState): Promise<{ mcu: HostMcu; bridge: McuBridge }> {
  const mcu = await HostMcu.start({ binary });
  cleanup.push(() => mcu.stop());
  const bridge = new McuBridge({
    link: new SerialportLink({ path: mcu.path, baudRate: 115200 }),
    clock: new RealClock(),
  });
  cleanup.push(() => bridge.stop());
  const settled = new Promise<void>((resolve) => {
    const off = bridge.onState.on((s) => {
      if (s === settle) {
        off();
        resolve();
      }
    });
  });
  bridge.start();
  await settled;
  return { mcu, bridge };
}

test("WATCHDOG_MS is a build option: a 300 ms build trips at 300 ms", { skip, timeout: 30_000 }, async () => {
  const binary = await ensureHostBuild({ dir: "wd300", vars: { WATCHDOG_MS: 300 } });
  const { mcu, bridge } = await connect(binary, "ready");
  assert.equal(bridge.mcu?.watchdogMs, 300);
  await bridge.arm(true);
  const moving = new Promise<void>((resolve) => {
    const off = mcu.onPulses.on((us) => {
      if (us[0] === 1600) {
        off();
        resolve();
      }
    });
  });
  bridge.setThrusters([1600]);
  await moving;
  const trip = new Promise<FirmwareEvent>((resolve) => {
    const off = mcu.onEvent.on((e) => {
      if (e.code === EVENT_CODE.watchdogTrip) {
        off();
        resolve(e);
      }
    });
  });
  const neutral = new Promise<number>((resolve) => {
    const off = mcu.onReport.on((r) => {
      if (r.thrusters[0] === PULSE_NEUTRAL_US) {
        off();
        resolve(r.mcuMs);
      }
    });
  });
  await bridge.stop(); // the agent goes quiet
  const [e, neutralAt] = await Promise.all([trip, neutral]);
  assert.ok(e.detail >= 300 && e.detail <= 301, `tripped after ${e.detail} ms`);
  assert.equal(neutralAt, e.mcuMs, "neutral in the tick of the trip");
});

test("firmware speaking another protocol version: state version-mismatch, arming refused", {
  skip,
  timeout: 30_000,
}, async () => {
  const binary = await ensureHostBuild({
    dir: "proto-mismatch",
    vars: { CFLAGS_EXTRA: `-DPROTO_VERSION=${PROTOCOL_VERSION + 1}` },
  });
  const { bridge } = await connect(binary, "version-mismatch");
  assert.equal(bridge.mcu?.proto, PROTOCOL_VERSION + 1);
  const why = bridge.armRefusal();
  assert.equal(why?.code, "MCU_VERSION_MISMATCH");
  assert.match(why?.message ?? "", new RegExp(`protocol ${PROTOCOL_VERSION + 1}.*speaks ${PROTOCOL_VERSION}`));
  await assert.rejects(bridge.arm(true), (e: unknown) => isTethysError(e, "MCU_VERSION_MISMATCH"));
});
