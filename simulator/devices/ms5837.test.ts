/**
 * The simulated MS5837 read through the raw register protocol on the simulated bus, converted
 * with the datasheet formulas (the real driver takes this place once it lands on main).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { SimI2cBus } from "../bus/sim-i2c-bus.ts";
import { MS5837_ADDRESS as A, Ms5837Model } from "./ms5837.ts";
import { compensate, crc4, type Ms5837Variant, PRESSURE_UNIT_MBAR } from "./ms5837-math.ts";

const G = 9.80665;
const SURFACE_PA = 101300; // docs/reference-data.md depth formula
const RHO = { fresh: 997, sea: 1029 };

function rig(variant: Ms5837Variant) {
  const clock = new VirtualClock();
  const dev = new Ms5837Model({ variant });
  const bus = new SimI2cBus(clock).attach(A, dev);
  return { clock, dev, bus };
}

async function readAdc(bus: SimI2cBus, clock: VirtualClock, cmd: number, waitMs: number): Promise<number> {
  await bus.write(A, Uint8Array.of(cmd));
  clock.advance(waitMs);
  const b = await bus.writeRead(A, Uint8Array.of(0x00), 3);
  return ((b[0] as number) << 16) | ((b[1] as number) << 8) | (b[2] as number);
}

const u24 = (b: Uint8Array) => ((b[0] as number) << 16) | ((b[1] as number) << 8) | (b[2] as number);

async function readProm(bus: SimI2cBus): Promise<number[]> {
  const words: number[] = [];
  for (let i = 0; i < 7; i++) {
    const b = await bus.writeRead(A, Uint8Array.of(0xa0 + 2 * i), 2);
    words.push(((b[0] as number) << 8) | (b[1] as number));
  }
  return words;
}

test("PROM read over the bus has a valid CRC4 and the variant's version bits", async () => {
  for (const [v, version] of [
    ["30BA", 0x1a],
    ["02BA", 0x00],
  ] as const) {
    const { bus } = rig(v);
    await bus.write(A, Uint8Array.of(0x1e));
    const prom = await readProm(bus);
    assert.equal((prom[0] as number) >> 12, crc4(prom));
    assert.equal(((prom[0] as number) >> 5) & 0x7f, version);
  }
});

test("depth within the sensor's resolution at 0, 10 and 100 m, fresh and sea water (30BA)", async () => {
  const { bus, clock, dev } = rig("30BA");
  await bus.write(A, Uint8Array.of(0x1e));
  const prom = await readProm(bus);
  const c = prom.slice(1);
  for (const [water, rho] of Object.entries(RHO)) {
    for (const depth of [0, 10, 100]) {
      dev.setEnvironment({ pressurePa: SURFACE_PA + rho * G * depth, temperatureC: 12.5 });
      const D1 = await readAdc(bus, clock, 0x4a, 18.08); // OSR 8192
      const D2 = await readAdc(bus, clock, 0x5a, 18.08);
      const out = compensate("30BA", c, D1, D2);
      const pa = out.p * PRESSURE_UNIT_MBAR["30BA"] * 100;
      const got = (pa - SURFACE_PA) / (rho * G);
      // 30BA resolution at OSR 8192: 0.2 mbar = 20 Pa ≈ 2 mm of water.
      const tol = 20 / (rho * G);
      assert.ok(Math.abs(got - depth) <= tol, `${water} ${depth} m: read ${got} m (±${tol})`);
      assert.ok(Math.abs(out.temp / 100 - 12.5) <= 0.01);
    }
  }
});

test("02BA: depth within its resolution inside its 2 bar range (0 and 5 m)", async () => {
  const { bus, clock, dev } = rig("02BA");
  const c = (await readProm(bus)).slice(1);
  for (const rho of Object.values(RHO)) {
    for (const depth of [0, 5]) {
      dev.setEnvironment({ pressurePa: SURFACE_PA + rho * G * depth, temperatureC: 18 });
      const D1 = await readAdc(bus, clock, 0x4a, 18.08);
      const D2 = await readAdc(bus, clock, 0x5a, 18.08);
      const pa = compensate("02BA", c, D1, D2).p * PRESSURE_UNIT_MBAR["02BA"] * 100;
      // 02BA resolution at OSR 8192: 0.016 mbar = 1.6 Pa.
      assert.ok(Math.abs((pa - SURFACE_PA) / (rho * G) - depth) <= 1.6 / (rho * G));
    }
  }
});

test("the ADC reads 0 with no conversion, during a conversion, and when read twice", async () => {
  const { bus, clock } = rig("30BA");
  const zero = Uint8Array.of(0, 0, 0);
  assert.deepEqual(await bus.writeRead(A, Uint8Array.of(0x00), 3), zero, "no conversion yet");
  await bus.write(A, Uint8Array.of(0x48)); // D1, OSR 4096: 9.04 ms
  clock.advance(9);
  assert.deepEqual(await bus.writeRead(A, Uint8Array.of(0x00), 3), zero, "still converting");
  clock.advance(0.04);
  await bus.write(A, Uint8Array.of(0x48));
  clock.advance(9.04);
  const good = await bus.writeRead(A, Uint8Array.of(0x00), 3);
  assert.notDeepEqual(good, zero, "conversion done");
  assert.deepEqual(await bus.writeRead(A, Uint8Array.of(0x00), 3), zero, "read twice");
});

test("an ADC read during a conversion, or a second conversion command, spoils the result", async () => {
  const { bus, clock, dev } = rig("30BA");
  dev.setEnvironment({ pressurePa: 150_000, temperatureC: 20 });
  const clean = await readAdc(bus, clock, 0x48, 9.04);
  await bus.write(A, Uint8Array.of(0x48));
  clock.advance(4);
  await bus.writeRead(A, Uint8Array.of(0x00), 3); // too early
  clock.advance(5.04);
  assert.notEqual(await readAdc(bus, clock, 0x00, 0), clean, "read during conversion → wrong result");
  await bus.write(A, Uint8Array.of(0x48));
  clock.advance(2);
  await bus.write(A, Uint8Array.of(0x48)); // while the first still runs
  clock.advance(9.04);
  assert.notEqual(
    u24(await bus.writeRead(A, Uint8Array.of(0x00), 3)),
    clean,
    "convert during conversion → wrong result",
  );
  assert.equal(await readAdc(bus, clock, 0x48, 9.04), clean, "a clean conversion is right again");
});

test("per-OSR conversion times: OSR 256 is ready after 0.6 ms, OSR 8192 not before 18.08 ms", async () => {
  const { bus, clock } = rig("30BA");
  assert.notEqual(await readAdc(bus, clock, 0x40, 0.6), 0);
  assert.equal(await readAdc(bus, clock, 0x5a, 18), 0);
  clock.advance(0.08); // let that (now spoilt) conversion finish
  assert.notEqual(await readAdc(bus, clock, 0x5a, 18.08), 0);
});

test("stuck fault: conversions keep returning the same raw values as the pressure changes", async () => {
  const { bus, clock, dev } = rig("30BA");
  dev.setEnvironment({ pressurePa: 200_000, temperatureC: 10 });
  const d1 = await readAdc(bus, clock, 0x4a, 20);
  dev.setStuck(true);
  dev.setEnvironment({ pressurePa: 400_000, temperatureC: 15 });
  assert.equal(await readAdc(bus, clock, 0x4a, 20), d1);
  dev.setStuck(false);
  assert.ok((await readAdc(bus, clock, 0x4a, 20)) > d1);
});
