import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { Registry } from "prom-client";
import { FakeMcu } from "../../firmware-bridge/bridge/testing/fake-mcu.ts";
import { MemorySerialPair } from "../../firmware-bridge/bridge/testing/memory-link.ts";
import type { BoardBackends } from "../../hardware/boards/open-board.ts";
import { BUILTIN_PROFILES, builtinProfile } from "../../hardware/boards/profiles.ts";
import { type BoardProfileInput, parseBoardProfile } from "../../hardware/boards/schema.ts";
import type { SerialOptions } from "../../hardware/ports/serial-link.ts";
import { FakeBno055 } from "../../hardware/testing/fake-bno055.ts";
import { FakeGpioProvider } from "../../hardware/testing/fake-gpio.ts";
import { FakeI2cBus } from "../../hardware/testing/fake-i2c-bus.ts";
import { FakeIna260 } from "../../hardware/testing/fake-ina260.ts";
import { FakeMs5837, MS5837_30BA_EXAMPLE } from "../../hardware/testing/fake-ms5837.ts";
import { FakePca9685 } from "../../hardware/testing/fake-pca9685.ts";
import { settle } from "../../hardware/testing/settle.ts";
import { ConfigSchema } from "../config/schema.ts";
import { agentControlOptions } from "../control/config.ts";
import { VehicleControlSchema } from "../control/schema.ts";
import { isTethysError } from "../kernel/errors.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import type { Message } from "../protocol/index.ts";
import { assembleVehicle, type VehicleAssemblyOptions } from "./assemble.ts";

/** A board's devices on fake buses: PCA9685 (0x40) where the profile has one, INA260, MS5837, BNO055. */
function rig(name: "rpi-pca9685" | "rpi-serial-mcu", edit: (p: BoardProfileInput) => void = () => {}) {
  const clock = new VirtualClock();
  const bus = new FakeI2cBus();
  const pca = new FakePca9685();
  const input = structuredClone(BUILTIN_PROFILES[name]) as BoardProfileInput & {
    devices: Record<string, { stuckLimit?: number; address?: number }>;
  };
  if (input.devices.pwm) bus.attach(0x40, pca);
  const power = new FakeIna260();
  power.setRaw(8000, 12640, 0); // 10 A, 15.8 V
  bus.attach(input.devices.power?.address as number, power);
  bus.attach(
    0x76,
    new FakeMs5837([...MS5837_30BA_EXAMPLE.prom], MS5837_30BA_EXAMPLE.d1, MS5837_30BA_EXAMPLE.d2, () => clock.now()),
  );
  const imu = new FakeBno055(() => clock.now());
  imu.setRaw({ euler: [90 * 16, 5 * 16, -2 * 16], quat: [16384, 0, 0, 0] });
  bus.attach(0x28, imu);
  for (const k of ["depth", "imu", "power"]) (input.devices[k] as { stuckLimit?: number }).stuckLimit = 0; // constant fakes
  edit(input);
  const profile = parseBoardProfile(input);
  const gpio = new FakeGpioProvider({ "pinctrl-bcm2711": 58 }, clock);
  const opened: string[] = [];
  const backends: BoardBackends = {
    clock,
    i2c: async (path) => {
      opened.push(path);
      return bus;
    },
    gpio,
  };
  const sent: { telemetry: number; events: Message[] } = { telemetry: 0, events: [] };
  const options = (control: Record<string, unknown> = {}): VehicleAssemblyOptions => ({
    // No stale-sensor check: the fakes return constant readings.
    control: agentControlOptions(VehicleControlSchema.parse({ sensor_stale_ms: 0, ...control })),
    board: profile,
    backends,
    logger: pino({ level: "silent" }),
    registry: new Registry(),
    loopHz: 50,
    telemetryHz: 10,
    telemetry: {
      send: () => {
        sent.telemetry++;
      },
    },
    events: { send: (m) => sent.events.push(m) },
  });
  return { clock, bus, pca, gpio, profile, backends, opened, sent, options };
}

const pilot = (surge: number): Message => ({
  type: "pilot",
  surge,
  sway: 0,
  heave: 0,
  yaw: 0,
  pitch: 0,
  roll: 0,
  gain: 1,
});
// PCA9685 counts at 50 Hz: 1100 µs ≈ 225, 1500 ≈ 307, 1900 ≈ 389 (board-io.test.ts).
const NEUTRAL = 307;

test("a PCA9685 board: thrusters neutral, sensors sampling, the frame's wiring, lights; stop: neutral, then the board", async () => {
  const r = rig("rpi-pca9685");
  // M1..M6 wired to outputs 5..0; plain force fractions (no linearisation) for exact pulses.
  const v = await settle(r.clock, assembleVehicle(r.options({ channels: [5, 4, 3, 2, 1, 0], linearize: false })));
  assert.equal(v.profile.name, "rpi-pca9685");
  assert.equal(v.mcu, undefined);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((c) => r.pca.channel(c)),
    Array(6).fill(NEUTRAL),
  );
  await r.clock.advanceAsync(200);
  assert.equal(v.sensors.latest().batteryVoltage, 15.8, "the board sensors sample on their own");

  v.agent.setCommandLink(true);
  v.agent.start();
  v.agent.handleCommand({ type: "arm" });
  assert.equal(v.agent.armed, true, JSON.stringify(r.sent.events));
  v.agent.handleCommand(pilot(1));
  v.agent.handleCommand({ type: "lights", level: 1 });
  await r.clock.advanceAsync(100);
  // Surge: M1, M2 back (−1) on outputs 5, 4; M3, M4 forward on 3, 2; the verticals on 1, 0 idle.
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((c) => r.pca.channel(c)),
    [NEUTRAL, NEUTRAL, 389, 389, 225, 225],
  );
  assert.equal(r.pca.channel(8), 389, "lights full: a 1900 µs servo pulse on the profile's channel 8");
  assert.ok(r.sent.telemetry > 0, "telemetry went to the given sink");

  await settle(r.clock, v.stop());
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((c) => r.pca.channel(c)),
    Array(6).fill(NEUTRAL),
  );
  await assert.rejects(r.bus.write(0x40, Uint8Array.of(0)), "the board's bus is closed");
  v.agent.handleCommand({ type: "arm" });
  assert.equal(v.agent.armed, false, "a stopped agent takes no commands");
  await v.stop(); // once
});

test("a serial-MCU board drives its thrusters through the backends' serial line and the firmware bridge", async () => {
  const r = rig("rpi-serial-mcu");
  const pair = new MemorySerialPair();
  await pair.b.open();
  const fake = new FakeMcu(pair.b);
  const asked: SerialOptions[] = [];
  const v = await settle(
    r.clock,
    assembleVehicle({
      ...r.options(),
      backends: {
        ...r.backends,
        serial: (o) => {
          asked.push(o);
          return pair.a;
        },
      },
      serialPort: "/dev/pts/7",
    }),
  );
  assert.deepEqual(asked, [{ path: "/dev/pts/7", baudRate: 115200 }], "vehicle.serial_port overrides the profile's");
  assert.ok(v.mcu !== undefined && v.thrusters === v.mcu.output);
  await settle(
    r.clock,
    new Promise<void>((resolve) => {
      if (v.mcu?.bridge.state === "ready") resolve();
      else v.mcu?.bridge.onState.on((s) => s === "ready" && resolve());
    }),
  );
  v.agent.setCommandLink(true);
  v.agent.start();
  v.agent.handleCommand({ type: "arm" });
  assert.equal(v.agent.armed, true, JSON.stringify(r.sent.events));
  v.agent.handleCommand({ type: "lights", level: 1 });
  await r.clock.advanceAsync(100);
  assert.ok(
    fake.received.some((m) => m.name === "arm" && (m.fields as { armed: number }).armed === 1),
    "the MCU follows the agent's arm state",
  );
  assert.equal(r.gpio.level("gpiochip0", 22), 1, "lights on the profile's GPIO line");

  await settle(r.clock, v.stop());
  assert.equal(pair.a.isOpen, false, "the MCU link is closed");
  assert.equal(v.mcu.bridge.state, "stopped");
});

test("a serial-MCU board without a serial backend is refused before anything is opened (VEHICLE_BOARD)", async () => {
  const r = rig("rpi-serial-mcu");
  await assert.rejects(
    assembleVehicle(r.options()),
    (e: unknown) => isTethysError(e, "VEHICLE_BOARD") && /serial motor controller \(\/dev\/ttyAMA0\)/.test(e.message),
  );
  assert.deepEqual(r.opened, [], "no bus was opened");
});

test("a failure after the board is open closes the board again", async () => {
  // Four thruster outputs on the board, a six-thruster frame: VEHICLE_WIRING.
  const r = rig("rpi-pca9685", (p) => {
    (p.thrusters as { channels: number[] }).channels = [0, 1, 2, 3];
  });
  const err = await settle(
    r.clock,
    assembleVehicle(r.options()).then(
      () => undefined,
      (e: unknown) => e,
    ),
  );
  assert.ok(isTethysError(err, "VEHICLE_WIRING"), String(err));
  await assert.rejects(r.bus.write(0x40, Uint8Array.of(0)), "the board's bus is closed");
});

test("a [vehicle] section as written by default: a built-in board by name, the default control (vectored-6)", async () => {
  const vehicle = ConfigSchema.parse({ vehicle: {} }).vehicle;
  assert.ok(vehicle);
  const control = agentControlOptions(vehicle.control);
  assert.equal(control.frame.name, "vectored-6", "[vehicle.control] itself is optional");
  const r = rig("rpi-pca9685");
  const v = await settle(r.clock, assembleVehicle({ ...r.options(), control, board: vehicle.board }));
  assert.deepEqual(v.profile, builtinProfile("rpi-pca9685"));
  assert.equal(v.mcu, undefined);
  await settle(r.clock, v.stop());
});
