/**
 * MS5837 pure arithmetic (TE Connectivity datasheets: MS5837-30BA rev 2015 / REV C2 2019,
 * MS5837-02BA 2017). Integer steps are floor divisions by powers of two, done as BigInt
 * arithmetic shifts so that negative dT rounds towards −∞ as the datasheet's figures require
 * (TEMP 1981, not 1982, in the 30BA example) and D1·SENS (up to 2^56) stays exact.
 */
export type Ms5837Model = "30BA" | "02BA";

/** Oversampling ratios and their worst-case conversion times (ms), from the datasheet table. */
export const MS5837_OSR = {
  256: { index: 0, maxMs: 0.6 },
  512: { index: 1, maxMs: 1.17 },
  1024: { index: 2, maxMs: 2.28 },
  2048: { index: 3, maxMs: 4.54 },
  4096: { index: 4, maxMs: 9.04 },
  8192: { index: 5, maxMs: 18.08 },
} as const;
export type Ms5837Osr = keyof typeof MS5837_OSR;

export const MS5837_CMD = {
  reset: 0x1e,
  adcRead: 0x00,
  promRead: 0xa0,
  convertD1: 0x40,
  convertD2: 0x50,
} as const;

/** Reset reload time (datasheet: 2.8 ms). */
export const MS5837_RESET_MS = 2.8;

export function convertCommand(which: "D1" | "D2", osr: Ms5837Osr): number {
  return (which === "D1" ? MS5837_CMD.convertD1 : MS5837_CMD.convertD2) + 2 * MS5837_OSR[osr].index;
}

/**
 * CRC-4 over PROM words 0..6 as the datasheet computes it: word 0's CRC nibble (bits 15:12)
 * zeroed, an eighth zero word appended, 16 bytes MSB first through polynomial 0x3 (x^4+x+1)
 * in a 16-bit remainder; the CRC is the top nibble.
 */
export function ms5837Crc4(prom: readonly number[]): number {
  const words = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 7; i++) words[i] = (prom[i] ?? 0) & 0xffff;
  words[0] = (words[0] as number) & 0x0fff;
  let rem = 0;
  for (let byteIndex = 0; byteIndex < 16; byteIndex++) {
    const w = words[byteIndex >> 1] as number;
    rem ^= byteIndex % 2 === 1 ? w & 0xff : w >> 8;
    for (let bit = 0; bit < 8; bit++) {
      rem = rem & 0x8000 ? ((rem << 1) ^ 0x3000) & 0xffff : (rem << 1) & 0xffff;
    }
  }
  return (rem >> 12) & 0xf;
}

/** CRC nibble stored in PROM word 0. */
export function promCrc(prom: readonly number[]): number {
  return ((prom[0] ?? 0) >> 12) & 0xf;
}

/** Product version (PROM word 0 bits 11:5). */
export function promVersion(prom: readonly number[]): number {
  return ((prom[0] ?? 0) >> 5) & 0x7f;
}

/** Model from the version bits: 0x1A → 30BA; 0x00 or 0x15 → 02BA; anything else undefined. */
export function modelFromVersion(version: number): Ms5837Model | undefined {
  if (version === 0x1a) return "30BA";
  if (version === 0x00 || version === 0x15) return "02BA";
  return undefined;
}

export interface Ms5837Compensation {
  dT: number;
  /** First-order temperature, 0.01 °C. */
  temp: number;
  off: number;
  sens: number;
  /** First-order pressure in the model's unit (30BA 0.1 mbar, 02BA 0.01 mbar). */
  p: number;
  /** Second-order results (same units). */
  temp2: number;
  off2: number;
  sens2: number;
  p2: number;
  /** Second-order values in SI: pascals and degrees Celsius. */
  pressurePa: number;
  temperatureC: number;
}

const sq = (x: bigint) => x * x;

/**
 * First- and second-order compensation of raw D1 (pressure) and D2 (temperature) with PROM
 * coefficients C1..C6 (`prom[1..6]`), as each model's datasheet computes it.
 */
export function ms5837Compensate(
  model: Ms5837Model,
  prom: readonly number[],
  d1: number,
  d2: number,
): Ms5837Compensation {
  const c = prom.map((v) => BigInt(v & 0xffff));
  const C = (i: number) => c[i] ?? 0n;
  const D1 = BigInt(d1);
  const D2 = BigInt(d2);
  const dT = D2 - (C(5) << 8n);
  const temp = 2000n + ((dT * C(6)) >> 23n);
  const is30 = model === "30BA";
  const off = is30 ? (C(2) << 16n) + ((C(4) * dT) >> 7n) : (C(2) << 17n) + ((C(4) * dT) >> 6n);
  const sens = is30 ? (C(1) << 15n) + ((C(3) * dT) >> 8n) : (C(1) << 16n) + ((C(3) * dT) >> 7n);
  const pShift = is30 ? 13n : 15n;
  const pressure = (s: bigint, o: bigint) => (((D1 * s) >> 21n) - o) >> pShift;
  const p = pressure(sens, off);

  let ti = 0n;
  let offi = 0n;
  let sensi = 0n;
  const low = temp - 2000n;
  if (is30) {
    if (temp < 2000n) {
      ti = (3n * sq(dT)) >> 33n;
      offi = (3n * sq(low)) >> 1n;
      sensi = (5n * sq(low)) >> 3n;
      if (temp < -1500n) {
        offi += 7n * sq(temp + 1500n);
        sensi += 4n * sq(temp + 1500n);
      }
    } else {
      ti = (2n * sq(dT)) >> 37n;
      offi = sq(low) >> 4n;
      sensi = 0n;
    }
  } else if (temp < 2000n) {
    ti = (11n * sq(dT)) >> 35n;
    offi = (31n * sq(low)) >> 3n;
    sensi = (63n * sq(low)) >> 5n;
  }
  const off2 = off - offi;
  const sens2 = sens - sensi;
  const temp2 = temp - ti;
  const p2 = pressure(sens2, off2);
  // 30BA: P in 0.1 mbar = 10 Pa; 02BA: P in 0.01 mbar = 1 Pa.
  const pressurePa = Number(p2) * (is30 ? 10 : 1);
  return {
    dT: Number(dT),
    temp: Number(temp),
    off: Number(off),
    sens: Number(sens),
    p: Number(p),
    temp2: Number(temp2),
    off2: Number(off2),
    sens2: Number(sens2),
    p2: Number(p2),
    pressurePa,
    temperatureC: Number(temp2) / 100,
  };
}

export const GRAVITY = 9.80665;
export const FLUID_DENSITY = { fresh: 997, sea: 1029 } as const;
export const SURFACE_PRESSURE_PA = 101300;

/** Depth below the surface in metres: (P − P_surface) / (ρ·g). */
export function depthFromPressure(pressurePa: number, densityKgM3: number, surfacePa = SURFACE_PRESSURE_PA): number {
  return (pressurePa - surfacePa) / (densityKgM3 * GRAVITY);
}
