/**
 * MS5837-30BA / -02BA datasheet arithmetic on the simulator side (pure): PROM CRC4, first- and
 * second-order compensation with the datasheet's floor-division integer arithmetic (BigInt), and
 * its inverse — the raw D1, D2 that make the datasheet formulas give back a wanted pressure and
 * temperature. (TE Connectivity MS5837-30BA rev 2015 / REV C2 2019, MS5837-02BA 2017.)
 */

export type Ms5837Variant = "30BA" | "02BA";

/** Datasheet worked-example calibration words C1..C6 (PROM words 1..6). */
export const EXAMPLE_COEFFS: Record<Ms5837Variant, readonly number[]> = {
  "30BA": [34982, 36352, 20328, 22354, 26646, 26146],
  "02BA": [46372, 43981, 29059, 27842, 31553, 28165],
};

/** Product version (PROM word 0 bits 11:5): 0x1A = 30BA26; 0x00 (or 0x15) = 02BA. */
export const PRODUCT_VERSION: Record<Ms5837Variant, number> = { "30BA": 0x1a, "02BA": 0x00 };

/** Pressure output unit in mbar: 0.1 mbar for the 30BA, 0.01 mbar for the 02BA. */
export const PRESSURE_UNIT_MBAR: Record<Ms5837Variant, number> = { "30BA": 0.1, "02BA": 0.01 };

/** Maximum conversion time per OSR 256, 512, …, 8192 (ms). */
export const CONVERSION_MS = [0.6, 1.17, 2.28, 4.54, 9.04, 18.08] as const;

/** CRC4 over PROM words 0..6 (word 0's CRC nibble cleared, an eighth word of 0), per datasheet. */
export function crc4(words: readonly number[]): number {
  const w = [...words.slice(0, 7)];
  while (w.length < 8) w.push(0);
  w[0] = (w[0] as number) & 0x0fff;
  w[7] = 0;
  let rem = 0;
  for (let cnt = 0; cnt < 16; cnt++) {
    const word = w[cnt >> 1] as number;
    rem ^= cnt % 2 === 1 ? word & 0x00ff : (word >> 8) & 0xff;
    for (let bit = 8; bit > 0; bit--) rem = rem & 0x8000 ? ((rem << 1) ^ 0x3000) & 0xffff : (rem << 1) & 0xffff;
  }
  return (rem >> 12) & 0x0f;
}

/** PROM words 0..6 with word 0 = CRC4 << 12 | version << 5. */
export function buildProm(coeffs: readonly number[], version: number): number[] {
  const words = [(version & 0x7f) << 5, ...coeffs.slice(0, 6)];
  words[0] = ((crc4(words) << 12) | (words[0] as number)) & 0xffff;
  return words;
}

export interface Compensated {
  /** Temperature in 0.01 °C. */
  temp: number;
  /** Pressure in the variant's unit (0.1 mbar 30BA, 0.01 mbar 02BA). */
  p: number;
}

interface Core {
  dT: bigint;
  TEMP: bigint;
  OFF: bigint;
  SENS: bigint;
}

function firstOrder(v: Ms5837Variant, c: readonly number[], D2: bigint): Core {
  const [C1, C2, C3, C4, C5, C6] = c.map((x) => BigInt(x)) as [bigint, bigint, bigint, bigint, bigint, bigint];
  const dT = D2 - (C5 << 8n);
  const TEMP = 2000n + ((dT * C6) >> 23n);
  if (v === "30BA") return { dT, TEMP, OFF: (C2 << 16n) + ((C4 * dT) >> 7n), SENS: (C1 << 15n) + ((C3 * dT) >> 8n) };
  return { dT, TEMP, OFF: (C2 << 17n) + ((C4 * dT) >> 6n), SENS: (C1 << 16n) + ((C3 * dT) >> 7n) };
}

/** Second-order corrections (Ti, OFFi, SENSi) per datasheet. */
function secondOrder(v: Ms5837Variant, k: Core): { Ti: bigint; OFFi: bigint; SENSi: bigint } {
  const t = k.TEMP - 2000n;
  const t2 = t * t;
  if (v === "30BA") {
    if (k.TEMP < 2000n) {
      let OFFi = (3n * t2) >> 1n;
      let SENSi = (5n * t2) >> 3n;
      if (k.TEMP < -1500n) {
        const u = k.TEMP + 1500n;
        OFFi += 7n * u * u;
        SENSi += 4n * u * u;
      }
      return { Ti: (3n * k.dT * k.dT) >> 33n, OFFi, SENSi };
    }
    return { Ti: (2n * k.dT * k.dT) >> 37n, OFFi: t2 >> 4n, SENSi: 0n };
  }
  if (k.TEMP < 2000n) return { Ti: (11n * k.dT * k.dT) >> 35n, OFFi: (31n * t2) >> 3n, SENSi: (63n * t2) >> 5n };
  return { Ti: 0n, OFFi: 0n, SENSi: 0n };
}

function pressure(v: Ms5837Variant, D1: bigint, sens: bigint, off: bigint): bigint {
  return (((D1 * sens) >> 21n) - off) >> (v === "30BA" ? 13n : 15n);
}

/** First-order compensation only (the datasheet's worked examples). */
export function compensateFirstOrder(v: Ms5837Variant, c: readonly number[], D1: number, D2: number): Compensated {
  const k = firstOrder(v, c, BigInt(D2));
  return { temp: Number(k.TEMP), p: Number(pressure(v, BigInt(D1), k.SENS, k.OFF)) };
}

/** Full compensation including the second-order terms. */
export function compensate(v: Ms5837Variant, c: readonly number[], D1: number, D2: number): Compensated {
  const k = firstOrder(v, c, BigInt(D2));
  const s = secondOrder(v, k);
  return { temp: Number(k.TEMP - s.Ti), p: Number(pressure(v, BigInt(D1), k.SENS - s.SENSi, k.OFF - s.OFFi)) };
}

const ADC_MAX = 0xffffff;
const clampAdc = (x: number) => Math.min(ADC_MAX, Math.max(0, Math.round(x)));

function tempOf(v: Ms5837Variant, c: readonly number[], D2: number): number {
  const k = firstOrder(v, c, BigInt(D2));
  return Number(k.TEMP - secondOrder(v, k).Ti);
}

/**
 * Raw D1, D2 (24-bit, clamped) for a pressure (mbar) and temperature (°C): D2 is the code whose
 * compensated temperature is nearest the wanted one, D1 the smallest code whose compensated
 * pressure (with that D2) equals the wanted pressure rounded to the output unit.
 */
export function invertCompensation(
  v: Ms5837Variant,
  c: readonly number[],
  pressureMbar: number,
  tempC: number,
): { D1: number; D2: number } {
  const wantT = tempC * 100;
  // TEMP2(D2) is a non-decreasing step function: binary search for the first code reaching the
  // wanted temperature, then keep whichever neighbour is nearer.
  let lo = 0;
  let hi = ADC_MAX;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tempOf(v, c, mid) < wantT) lo = mid + 1;
    else hi = mid;
  }
  let best = lo;
  if (lo > 0 && Math.abs(tempOf(v, c, lo - 1) - wantT) < Math.abs(tempOf(v, c, lo) - wantT)) best = lo - 1;
  const D2 = best;
  const k = firstOrder(v, c, BigInt(D2));
  const s = secondOrder(v, k);
  const sens = k.SENS - s.SENSi;
  const off = k.OFF - s.OFFi;
  if (sens <= 0n) return { D1: 0, D2 };
  const target = BigInt(Math.round(pressureMbar / PRESSURE_UNIT_MBAR[v]));
  const shift = v === "30BA" ? 13n : 15n;
  // Smallest D1 with ((D1·sens >> 21) − off) >> shift ≥ target.
  const need = ((target << shift) + off) << 21n;
  let D1 = need <= 0n ? 0n : (need + sens - 1n) / sens;
  while (D1 > 0n && pressure(v, D1 - 1n, sens, off) >= target) D1 -= 1n;
  while (D1 < BigInt(ADC_MAX) && pressure(v, D1, sens, off) < target) D1 += 1n;
  return { D1: clampAdc(Number(D1)), D2 };
}
