import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  buildProm,
  compensate,
  compensateFirstOrder,
  crc4,
  EXAMPLE_COEFFS,
  invertCompensation,
  PRESSURE_UNIT_MBAR,
} from "./ms5837-math.ts";

// Figures from docs/reference-data.md (MS5837 datasheets' worked examples).
test("CRC4 gives the README's valid PROM word 0 for both worked examples", () => {
  assert.equal(buildProm(EXAMPLE_COEFFS["30BA"], 0x1a)[0], 0x9340);
  assert.equal(buildProm(EXAMPLE_COEFFS["02BA"], 0x00)[0], 0x8000);
  assert.equal(buildProm(EXAMPLE_COEFFS["02BA"], 0x15)[0], 0x52a0);
  assert.equal(crc4([0x9340, ...EXAMPLE_COEFFS["30BA"]]), 0x9);
  assert.notEqual(crc4([0x9340, 34983, ...EXAMPLE_COEFFS["30BA"].slice(1)]), 0x9, "a changed word changes the CRC");
});

test("first-order compensation reproduces the worked examples (floor division)", () => {
  assert.deepEqual(compensateFirstOrder("30BA", EXAMPLE_COEFFS["30BA"], 4958179, 6815414), { temp: 1981, p: 39998 });
  assert.deepEqual(compensateFirstOrder("02BA", EXAMPLE_COEFFS["02BA"], 6465444, 8077636), { temp: 2000, p: 110002 });
});

test("inversion: the datasheet formulas give back the wanted pressure and temperature", () => {
  for (const v of ["30BA", "02BA"] as const) {
    const maxMbar = v === "30BA" ? 30000 : 2000;
    fc.assert(
      fc.property(
        fc.double({ min: 300, max: maxMbar, noNaN: true }),
        fc.double({ min: -20, max: 60, noNaN: true }),
        (mbar, tC) => {
          const c = EXAMPLE_COEFFS[v];
          const { D1, D2 } = invertCompensation(v, c, mbar, tC);
          assert.ok(D1 >= 0 && D1 < 2 ** 24 && D2 >= 0 && D2 < 2 ** 24);
          const out = compensate(v, c, D1, D2);
          assert.ok(Math.abs(out.temp - tC * 100) <= 1, `${v} ${tC} °C → ${out.temp}`);
          const unit = PRESSURE_UNIT_MBAR[v];
          assert.ok(Math.abs(out.p * unit - mbar) <= unit, `${v} ${mbar} mbar → ${out.p * unit}`);
        },
      ),
      { numRuns: 200 },
    );
  }
});
