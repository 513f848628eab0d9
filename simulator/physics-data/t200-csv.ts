/**
 * The T200 table format (pure): one CSV per supply voltage, the columns of the Blue Robotics
 * performance workbook. Every row is checked; a bad file is SIM_T200_CSV naming the line.
 */
import { TethysError } from "../../src/kernel/errors.ts";
import { GRAVITY } from "../physics/params.ts";
import type { T200Table } from "../physics/t200-table.ts";

export const T200_COLUMNS = [
  "pwm_us",
  "rpm",
  "current_a",
  "voltage_v",
  "power_w",
  "force_kgf",
  "efficiency_g_per_w",
] as const;

function bad(source: string, line: number, message: string): TethysError {
  return new TethysError("SIM_T200_CSV", `${source}:${line}: ${message}`, { details: { source, line } });
}

/** Parses one table; every row must be complete and numeric, PWM strictly increasing. */
export function parseT200Csv(text: string, volts: number, source = "t200.csv"): T200Table {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").trim();
  if (header !== T200_COLUMNS.join(",")) {
    throw bad(source, 1, `header must be "${T200_COLUMNS.join(",")}", got "${header.slice(0, 80)}"`);
  }
  const pwm: number[] = [];
  const force: number[] = [];
  const current: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = (lines[i] ?? "").trim();
    if (raw === "") continue;
    const cells = raw.split(",");
    if (cells.length !== T200_COLUMNS.length) {
      throw bad(source, i + 1, `expected ${T200_COLUMNS.length} columns, got ${cells.length}`);
    }
    const nums = cells.map((c) => (c.trim() === "" ? Number.NaN : Number(c)));
    for (let c = 0; c < nums.length; c++) {
      if (!Number.isFinite(nums[c])) throw bad(source, i + 1, `column ${T200_COLUMNS[c]} is not a number`);
    }
    const [p, , cur, v, , kgf] = nums as [number, number, number, number, number, number, number];
    if (p < 500 || p > 2500) throw bad(source, i + 1, `pwm_us ${p} outside 500..2500`);
    const prev = pwm[pwm.length - 1];
    if (prev !== undefined && p <= prev) throw bad(source, i + 1, `pwm_us ${p} not above the previous row (${prev})`);
    if (cur < 0) throw bad(source, i + 1, `current_a ${cur} is negative`);
    if (Math.abs(v - volts) > 0.5) throw bad(source, i + 1, `voltage_v ${v} does not match the table's ${volts} V`);
    if (Math.abs(kgf) > 20) throw bad(source, i + 1, `force_kgf ${kgf} is implausible`);
    pwm.push(p);
    force.push(kgf * GRAVITY);
    current.push(cur);
  }
  if (pwm.length < 2) throw bad(source, lines.length, "fewer than two data rows");
  return {
    volts,
    pwm: Float64Array.from(pwm),
    forceN: Float64Array.from(force),
    currentA: Float64Array.from(current),
  };
}
