import assert from "node:assert/strict";
import { after, test } from "node:test";
import { pino } from "pino";
import { Registry } from "prom-client";
import type { BridgeState } from "../../firmware-bridge/bridge/mcu-bridge.ts";
import { ensureHostBuild } from "../../firmware-bridge/firmware/build.ts";
import { PROTOCOL_VERSION } from "../../firmware-bridge/protocol/version.ts";
import { HostMcu } from "../../firmware-bridge/sim/host-mcu.ts";
import { parseBoardProfile } from "../../hardware/boards/schema.ts";
import { linuxSerialOpener } from "../../hardware/linux/backends.ts";
import { FakeGpioProvider } from "../../hardware/testing/fake-gpio.ts";
import { agentControlOptions } from "../../src/control/config.ts";
import { VehicleControlSchema } from "../../src/control/schema.ts";
import { emptySnapshot } from "../../src/control/sensor-snapshot.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import type { Message } from "../../src/protocol/index.ts";
import { assembleVehicle } from "../../src/vehicle/assemble.ts";
import { requireTool } from "../support/tools.ts";

/**
 * The agent on a serial-MCU board, assembled as the vehicle service assembles it (assembleVehicle
 * with the Linux serial backend: the real serialport code path on the pty of the host firmware). A firmware variant built with another
 * protocol version makes arming fail with a coded event naming MCU_VERSION_MISMATCH; with the
 * matching firmware the agent arms and the MCU follows.
 */
const skip = requireTool("make", "make") ?? requireTool("cc", "gcc") ?? requireTool("socat", "socat");
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function rig(binary: string, settle: BridgeState) {
  const mcu = await HostMcu.start({ binary });
  cleanup.push(() => mcu.stop());
  const clock = new RealClock();
  const events: Message[] = [];
  // A board with the motor controller only (no I2C or GPIO devices); the battery voltage is
  // given, since there is no power monitor.
  const vehicle = await assembleVehicle({
    control: agentControlOptions(VehicleControlSchema.parse({})),
    board: parseBoardProfile({
      name: "mcu-only",
      thrusters: { kind: "serial", port: "/dev/null-not-used", channels: [0, 1, 2, 3, 4, 5] },
    }),
    backends: {
      clock,
      i2c: () => Promise.reject(new Error("no I2C on this board")),
      gpio: new FakeGpioProvider(),
      serial: linuxSerialOpener(),
    },
    serialPort: mcu.path,
    sensorSource: () => ({ latest: () => ({ ...emptySnapshot(), batteryVoltage: 15.8 }) }),
    logger: pino({ level: "silent" }),
    registry: new Registry(),
    loopHz: 50,
    telemetryHz: 10,
    telemetry: { send: () => {} },
    events: { send: (m) => events.push(m) },
  });
  cleanup.push(() => vehicle.stop());
  const { agent } = vehicle;
  const link = vehicle.mcu;
  assert.ok(link, "a serial board is driven through the MCU link");
  agent.setCommandLink(true);
  if (link.bridge.state !== settle) {
    await new Promise<void>((resolve) => {
      const off = link.bridge.onState.on((s) => {
        if (s === settle) {
          off();
          resolve();
        }
      });
    });
  }
  return { mcu, link, agent, events };
}

test("firmware speaking another protocol version: arming refused with a coded event", {
  skip,
  timeout: 60_000,
}, async () => {
  const binary = await ensureHostBuild({
    dir: "proto-mismatch",
    vars: { CFLAGS_EXTRA: `-DPROTO_VERSION=${PROTOCOL_VERSION + 1}` },
  });
  const { agent, events } = await rig(binary, "version-mismatch");
  agent.handleCommand({ type: "arm" });
  assert.equal(agent.armed, false);
  const refused = events.find((m) => m.type === "event" && m.code === "ARM_BLOCKED");
  assert.ok(refused?.type === "event", `events: ${JSON.stringify(events)}`);
  assert.equal(refused.severity, "warning");
  assert.match(refused.text, /MCU_VERSION_MISMATCH/);
  assert.match(refused.text, new RegExp(`protocol ${PROTOCOL_VERSION + 1}.*speaks ${PROTOCOL_VERSION}`));
});

test("matching firmware: the agent arms once the link is ready, and the MCU follows", {
  skip,
  timeout: 60_000,
}, async () => {
  const { agent, events, mcu, link } = await rig(await ensureHostBuild(), "ready");
  agent.handleCommand({ type: "arm" });
  assert.equal(agent.armed, true, `events: ${JSON.stringify(events)}`);
  const moving = new Promise<number[]>((resolve) => {
    const off = mcu.onPulses.on((us) => {
      if (us.some((u) => u !== 1500)) {
        off();
        resolve(us);
      }
    });
  });
  agent.start();
  agent.handleCommand({ type: "pilot", surge: 1, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
  const us = await moving;
  assert.ok(us.slice(0, 6).some((u) => u > 1500) && us.slice(0, 6).some((u) => u < 1500), `pulses ${us}`);
  const neutral = new Promise<void>((resolve) => {
    const off = mcu.onPulses.on((p) => {
      if (p.every((u) => u === 1500)) {
        off();
        resolve();
      }
    });
  });
  await agent.shutdown(); // disarm, neutral acknowledged by the MCU
  await neutral;
  assert.equal(link.bridge.state, "ready");
});
