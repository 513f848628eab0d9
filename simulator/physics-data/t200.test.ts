import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { GRAVITY } from "../physics/params.ts";
import { parseT200Csv, T200_COLUMNS } from "./t200-csv.ts";
import { loadT200Model } from "./t200-load.ts";

const model = loadT200Model();

test("the shipped tables load: six voltages, figures from docs/reference-data.md", () => {
  assert.deepEqual(
    model.tables.map((t) => t.volts),
    [10, 12, 14, 16, 18, 20],
  );
  // docs/reference-data.md: 16 V full forward 5.245 kgf, full reverse −4.069 kgf; 12 V 3.714 / −2.904 kgf.
  assert.ok(Math.abs(model.evaluate(1900, 16).forceN - 5.245 * GRAVITY) < 0.01);
  assert.ok(Math.abs(model.evaluate(1100, 16).forceN + 4.069 * GRAVITY) < 0.01);
  assert.ok(Math.abs(model.evaluate(1900, 12).forceN - 3.714 * GRAVITY) < 0.01);
  assert.equal(model.evaluate(1500, 16).forceN, 0);
  assert.equal(model.evaluate(1500, 16).currentA, 0);
});

const header = T200_COLUMNS.join(",");
const rejects = (text: string, pattern: RegExp) =>
  assert.throws(
    () => parseT200Csv(text, 16, "x.csv"),
    (e: unknown) => isTethysError(e, "SIM_T200_CSV") && pattern.test(e.message),
  );

test("bad CSVs are rejected with SIM_T200_CSV naming the line", () => {
  rejects("pwm,force\n1100,1", /x\.csv:1: header/);
  rejects(`${header}\n1100,1,2,16,3,-4,5\n1104,1,2,16,3`, /x\.csv:3: expected 7 columns/);
  rejects(`${header}\n1100,1,2,16,3,-4,5\n1104,1,2,16,abc,-4,5`, /x\.csv:3: column power_w/);
  rejects(`${header}\n1100,1,2,16,3,-4,5\n1100,1,2,16,3,-4,5`, /not above the previous/);
  rejects(`${header}\n1100,1,2,12,3,-4,5\n1104,1,2,12,3,-4,5`, /does not match/);
  rejects(`${header}\n1100,1,2,16,3,-4,5\n`, /fewer than two/);
  rejects(`${header}\n1100,1,-2,16,3,-4,5\n1104,1,2,16,3,-4,5`, /negative/);
});

test("any text either parses or fails with SIM_T200_CSV (never another error)", () => {
  fc.assert(
    fc.property(fc.array(fc.string(), { maxLength: 6 }), (rows) => {
      try {
        parseT200Csv([header, ...rows].join("\n"), 16);
      } catch (e) {
        assert.ok(isTethysError(e, "SIM_T200_CSV"));
      }
    }),
  );
});
