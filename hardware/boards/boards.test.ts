import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError, TethysError } from "../../src/kernel/errors.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { PwmThrusters } from "../drivers/pwm-thrusters.ts";
import { FakeBno055 } from "../testing/fake-bno055.ts";
import { FakeGpioProvider } from "../testing/fake-gpio.ts";
import { FakeI2cBus } from "../testing/fake-i2c-bus.ts";
import { FakeIna260 } from "../testing/fake-ina260.ts";
import { FakeMs5837, MS5837_30BA_EXAMPLE } from "../testing/fake-ms5837.ts";
import { FakePca9685 } from "../testing/fake-pca9685.ts";
import { settle } from "../testing/settle.ts";
import { openBoard } from "./open-board.ts";
import { BUILTIN_PROFILES, builtinProfile } from "./profiles.ts";
import { type BoardProfileInput, fluidDensity, parseBoardProfile } from "./schema.ts";

const rejectsCode = (fn: () => unknown, code: string, pattern?: RegExp) =>
  assert.throws(fn, (e: unknown) => isTethysError(e, code) && (pattern === undefined || pattern.test(e.message)));

test("every built-in profile validates", () => {
  for (const name of Object.keys(BUILTIN_PROFILES)) {
    const p = builtinProfile(name);
    assert.equal(p.name, name);
  }
  assert.equal(builtinProfile("rpi-pca9685").thrusters.kind, "pca9685");
  assert.equal(builtinProfile("bbb-serial-mcu").thrusters.kind, "serial");
  rejectsCode(() => builtinProfile("nope"), "BOARD_UNKNOWN", /rpi-pca9685/);
  rejectsCode(() => builtinProfile("__proto__"), "BOARD_UNKNOWN");
});

const base = (): BoardProfileInput => structuredClone(BUILTIN_PROFILES["rpi-pca9685"] as BoardProfileInput);

test("bad profiles are BOARD_INVALID naming the bad key", () => {
  const clash = base();
  (clash.devices as { power: { address: number } }).power.address = 0x40;
  rejectsCode(
    () => parseBoardProfile(clash),
    "BOARD_INVALID",
    /devices\.pwm\.address: 0x40 on \/dev\/i2c-1 is already used by power/,
  );

  const chan = base();
  chan.lights = { kind: "pwm", channel: 3 };
  rejectsCode(
    () => parseBoardProfile(chan),
    "BOARD_INVALID",
    /lights\.channel: PWM channel 3 is already used by thruster 4/,
  );

  const tiltOnLights = base();
  tiltOnLights.lights = { kind: "pwm", channel: 8 };
  tiltOnLights.cameraTilt = { kind: "pwm", channel: 8 };
  rejectsCode(
    () => parseBoardProfile(tiltOnLights),
    "BOARD_INVALID",
    /cameraTilt\.channel: PWM channel 8 is already used by lights/,
  );
  const tiltNoTravel = base();
  tiltNoTravel.cameraTilt = { kind: "pwm", channel: 9, downUs: 1500, upUs: 1500 };
  rejectsCode(() => parseBoardProfile(tiltNoTravel), "BOARD_INVALID", /cameraTilt\.upUs: downUs and upUs must differ/);

  const noPwm = base();
  delete (noPwm.devices as { pwm?: unknown }).pwm;
  rejectsCode(() => parseBoardProfile(noPwm), "BOARD_INVALID", /needs devices\.pwm/);

  const badBus = base();
  (badBus.devices as { depth: { bus: string } }).depth.bus = "i2c1";
  rejectsCode(() => parseBoardProfile(badBus), "BOARD_INVALID", /devices\.depth\.bus/);

  const extra = { ...base(), colour: "yellow" };
  rejectsCode(() => parseBoardProfile(extra), "BOARD_INVALID", /colour/);

  const pulses = base();
  pulses.thrusters = { kind: "pca9685", channels: [0], minUs: 1600, neutralUs: 1500, maxUs: 1900 };
  rejectsCode(() => parseBoardProfile(pulses), "BOARD_INVALID", /minUs < neutralUs/);

  const twice = base();
  twice.leak = [
    { chip: "gpiochip0", line: 27 },
    { chip: "gpiochip0", line: 27 },
  ];
  rejectsCode(() => parseBoardProfile(twice), "BOARD_INVALID", /used twice/);
});

test("arbitrary junk never crashes the parser: it is accepted or BOARD_INVALID", () => {
  fc.assert(
    fc.property(fc.anything(), (junk) => {
      try {
        parseBoardProfile(junk);
        return true;
      } catch (e) {
        return isTethysError(e, "BOARD_INVALID");
      }
    }),
  );
});

test("fluid density: fresh 997, sea 1029, or explicit", () => {
  assert.equal(fluidDensity(parseBoardProfile({ ...base(), fluid: "sea" })), 1029);
  assert.equal(fluidDensity(parseBoardProfile(base())), 997);
  assert.equal(fluidDensity(parseBoardProfile({ ...base(), fluid: { densityKgM3: 1025 } })), 1025);
});

function fakeRig() {
  const clock = new VirtualClock();
  const bus = new FakeI2cBus();
  const pca = new FakePca9685();
  bus.attach(0x40, pca);
  bus.attach(0x41, new FakeIna260());
  bus.attach(
    0x76,
    new FakeMs5837([...MS5837_30BA_EXAMPLE.prom], MS5837_30BA_EXAMPLE.d1, MS5837_30BA_EXAMPLE.d2, () => clock.now()),
  );
  const imu = new FakeBno055(() => clock.now());
  imu.setRaw({ quat: [16384, 0, 0, 0] });
  bus.attach(0x28, imu);
  const gpio = new FakeGpioProvider({ "pinctrl-bcm2711": 58 }, clock);
  const opened: string[] = [];
  return {
    clock,
    bus,
    pca,
    gpio,
    opened,
    backends: {
      clock,
      gpio,
      i2c: async (path: string) => {
        opened.push(path);
        return bus;
      },
    },
  };
}

test("openBoard builds rpi-pca9685 on fakes: all devices ok, thrusters neutral, depth from the worked example", async () => {
  const rig = fakeRig();
  const board = await openBoard(builtinProfile("rpi-pca9685"), rig.backends);
  assert.deepEqual(rig.opened, ["/dev/i2c-1"], "one bus opened once");
  const report = await settle(rig.clock, board.init());
  for (const [k, r] of Object.entries(report)) assert.ok(r.ok, `${k}: ${r.ok ? "" : r.error.message}`);
  assert.deepEqual(Object.keys(report).sort(), [
    "cameraTilt",
    "depth",
    "imu",
    "leak",
    "lights",
    "power",
    "pwm",
    "thrusters",
  ]);
  assert.ok(
    [0, 1, 2, 3, 4, 5].every((c) => rig.pca.channel(c) === 307),
    "ESCs at 1500 µs",
  );
  assert.equal(rig.pca.channel(8), 225, "lights off at 1100 µs");
  assert.equal(rig.pca.channel(9), 307, "the camera level at 1500 µs");
  assert.ok((await settle(rig.clock, (board.cameraTilt as NonNullable<typeof board.cameraTilt>).setPosition(-1))).ok);
  assert.equal(rig.pca.channel(9), 225, "the camera full down at 1100 µs");
  const depth = await settle(rig.clock, (board.depth as NonNullable<typeof board.depth>).read());
  assert.ok(depth.ok);
  assert.equal(depth.value.pressurePa, 399980);
  assert.ok(board.thrusters instanceof PwmThrusters);
  assert.ok(board.health().every((h) => h.state === "ok"));
  rig.gpio.drive("gpiochip0", 27, 1);
  rig.clock.advance(50);
  assert.equal(board.leaks[0]?.leaking, true);
  await board.close();
});

test("a missing device is a fault in the init report and in health, not a throw", async () => {
  const rig = fakeRig();
  rig.bus.detach(0x28);
  const board = await openBoard(builtinProfile("rpi-pca9685"), rig.backends);
  const report = await settle(rig.clock, board.init());
  const imu = report.imu;
  assert.ok(imu !== undefined && !imu.ok && imu.error.code === "DEVICE_MISSING");
  assert.equal(report.depth?.ok, true);
  const h = board.health().find((x) => x.device === "imu");
  assert.equal(h?.state, "fault");
  await board.close();
});

test("serial-MCU profiles describe the UART for the firmware bridge and use GPIO lights", async () => {
  const rig = fakeRig();
  const rig2 = { ...rig.backends, gpio: new FakeGpioProvider({ "gpio-0-31": 32, "gpio-32-63": 32 }, rig.clock) };
  const board = await openBoard(builtinProfile("bbb-serial-mcu"), rig2);
  assert.deepEqual(rig.opened, ["/dev/i2c-2"]);
  assert.ok(!(board.thrusters instanceof PwmThrusters));
  assert.equal(board.thrusters.port, "/dev/ttyS1");
  assert.equal(board.pwm, undefined);
  rig.bus.detach(0x40);
  rig.bus.attach(0x40, new FakeIna260());
  const report = await settle(rig.clock, board.init());
  assert.equal(report.lights?.ok, true);
  assert.equal(report.leak?.ok, true);
  assert.equal(report.power?.ok, true);
  await board.close();
});

test("a bus that cannot be opened leaves the board up: its devices fault with the cause", async () => {
  const rig = fakeRig();
  const board = await openBoard(builtinProfile("rpi-serial-mcu"), {
    ...rig.backends,
    i2c: async () => {
      throw new TethysError("NATIVE_MODULE_LOAD", 'cannot load native module "i2c-bus"');
    },
  });
  assert.equal(board.busErrors.get("/dev/i2c-1")?.code, "NATIVE_MODULE_LOAD");
  const report = await settle(rig.clock, board.init());
  const depth = report.depth;
  assert.ok(
    depth !== undefined && !depth.ok && depth.error.code === "DEVICE_IO" && /i2c-bus/.test(depth.error.message),
  );
  assert.equal(report.leak?.ok, true);
  assert.equal(report.lights?.ok, true);
  await board.close();
});

test("a profile written in TOML (as in docs/hardware.md) parses", async () => {
  const { parse } = await import("smol-toml");
  const p = parseBoardProfile(
    parse(`
name = "my-rov"
fluid = "sea"
[devices.depth]
type = "ms5837"
model = "30BA"
bus = "/dev/i2c-1"
[devices.imu]
type = "bno055"
bus = "/dev/i2c-3"
[devices.pwm]
type = "pca9685"
bus = "/dev/i2c-1"
oscillatorHz = 25_400_000
[[leak]]
chip = "pinctrl-bcm2711"
line = 27
[lights]
kind = "pwm"
channel = 8
[thrusters]
kind = "pca9685"
channels = [0, 1, 2, 3, 4, 5]
`),
  );
  assert.equal(p.devices.depth?.address, 0x76, "default address");
  assert.equal(p.devices.pwm?.frequencyHz, 50, "default frequency");
  assert.equal(p.leak[0]?.assertMs, 50);
  assert.equal(fluidDensity(p), 1029);
});
