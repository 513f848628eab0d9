// Figures: docs/reference-data.md, "MS5837 pressure sensor" (TE datasheets MS5837-30BA, -02BA).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  convertCommand,
  depthFromPressure,
  modelFromVersion,
  ms5837Compensate,
  ms5837Crc4,
  promCrc,
  promVersion,
} from "./ms5837-math.ts";

const P30 = [0x9340, 34982, 36352, 20328, 22354, 26646, 26146];
const P02 = [0x8000, 46372, 43981, 29059, 27842, 31553, 28165];

test("30BA worked example: dT, TEMP (floor: 1981), OFF (not the misprinted 2381326464), SENS, P", () => {
  const r = ms5837Compensate("30BA", P30, 4958179, 6815414);
  assert.equal(r.dT, -5962);
  assert.equal(r.temp, 1981, "truncating division would give 1982");
  assert.equal(r.sens, 1145816755);
  assert.equal(r.off, 2381323464);
  assert.notEqual(r.off, 2381326464);
  assert.equal(r.p, 39998);
});

test("30BA second order below 20 °C: OFFi = 3·361/2 → 541, SENSi = 5·361/8 → 225, Ti = 0", () => {
  const r = ms5837Compensate("30BA", P30, 4958179, 6815414);
  assert.equal(r.off - r.off2, 541);
  assert.equal(r.sens - r.sens2, 225);
  assert.equal(r.temp2, 1981);
  // ((4958179·1145816530 >> 21) − 2381322923) >> 13 = 39998, i.e. 3999.8 mbar.
  assert.equal(r.p2, 39998);
  assert.equal(r.pressurePa, 399980);
  assert.equal(r.temperatureC, 19.81);
});

test("02BA worked example: dT 68, TEMP 2000, P 110002 (1100.02 mbar), no second-order change at 20 °C", () => {
  const r = ms5837Compensate("02BA", P02, 6465444, 8077636);
  assert.equal(r.dT, 68);
  assert.equal(r.temp, 2000);
  assert.equal(r.p, 110002);
  assert.equal(r.p2, 110002);
  assert.equal(r.pressurePa, 110002);
  assert.equal(r.temperatureC, 20);
});

test("30BA second order in the very cold branch (TEMP < −15 °C) applies the extra terms", () => {
  // dT chosen so that TEMP ≈ −20 °C: TEMP = 2000 + dT·26146/2^23 → dT ≈ −1283000.
  const d2 = 26646 * 256 - 1283000;
  const r = ms5837Compensate("30BA", P30, 4958179, d2);
  assert.ok(r.temp < -1500);
  const low = BigInt(r.temp - 2000);
  const cold = BigInt(r.temp + 1500);
  const offi = ((3n * low * low) >> 1n) + 7n * cold * cold;
  const sensi = ((5n * low * low) >> 3n) + 4n * cold * cold;
  assert.equal(BigInt(r.off - r.off2), offi);
  assert.equal(BigInt(r.sens - r.sens2), sensi);
});

test("PROM CRC4: the README's valid word 0 values check, a flipped bit does not", () => {
  assert.equal(promCrc(P30), 0x9);
  assert.equal(ms5837Crc4(P30), 0x9);
  assert.equal(ms5837Crc4(P02), 0x8);
  assert.equal(ms5837Crc4([0x52a0, ...P02.slice(1)]), 0x5);
  const bad = [...P30];
  bad[3] = (bad[3] as number) ^ 0x0100;
  assert.notEqual(ms5837Crc4(bad), promCrc(bad));
});

test("CRC ignores word 0's own CRC nibble", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }),
      fc.integer({ min: 0, max: 15 }),
      (prom, nib) => {
        const other = [((prom[0] as number) & 0x0fff) | (nib << 12), ...prom.slice(1)];
        return ms5837Crc4(prom) === ms5837Crc4(other);
      },
    ),
  );
});

test("model from version bits", () => {
  assert.equal(promVersion(P30), 0x1a);
  assert.equal(modelFromVersion(0x1a), "30BA");
  assert.equal(modelFromVersion(promVersion(P02)), "02BA");
  assert.equal(modelFromVersion(promVersion([0x52a0])), "02BA");
  assert.equal(modelFromVersion(0x33), undefined);
});

test("conversion commands per OSR", () => {
  assert.equal(convertCommand("D1", 256), 0x40);
  assert.equal(convertCommand("D1", 8192), 0x4a);
  assert.equal(convertCommand("D2", 256), 0x50);
  assert.equal(convertCommand("D2", 4096), 0x58);
});

test("depth from pressure: fresh and sea water", () => {
  assert.equal(depthFromPressure(101300, 997), 0);
  // 10 m of sea water: 1029·9.80665·10 Pa above the surface.
  assert.ok(Math.abs(depthFromPressure(101300 + 1029 * 9.80665 * 10, 1029) - 10) < 1e-9);
  assert.ok(depthFromPressure(200000, 997) > depthFromPressure(200000, 1029));
});

test("compensation never loses integer exactness: floor semantics hold for any D1, D2", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0xffffff }), fc.integer({ min: 1, max: 0xffffff }), (d1, d2) => {
      const r = ms5837Compensate("30BA", P30, d1, d2);
      const dT = d2 - 26646 * 256;
      return r.dT === dT && r.temp === 2000 + Math.floor((dT * 26146) / 2 ** 23) && Number.isSafeInteger(r.p2);
    }),
  );
});
