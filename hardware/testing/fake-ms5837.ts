import type { FakeI2cDevice } from "./fake-i2c-bus.ts";

const CONVERSION_MS = [0.6, 1.17, 2.28, 4.54, 9.04, 18.08];

/**
 * Minimal MS5837 behaviour for driver tests: reset, PROM words, D1/D2 conversions. An ADC read
 * returns the last conversion once; a read with no conversion, a second read, or a read before
 * the conversion time has passed (when a clock is given) returns 0, as the datasheet says.
 */
export class FakeMs5837 implements FakeI2cDevice {
  prom: number[];
  d1: number;
  d2: number;
  resets = 0;
  /** When set, D1 readings cycle through these values instead of `d1` (noise). */
  d1Sequence: number[] | undefined;
  private seq = 0;
  private pointer = -1;
  private pending: { value: number; readyAt: number } | undefined;
  private readonly now: () => number;

  constructor(prom: number[], d1: number, d2: number, now: () => number = () => 0) {
    this.prom = prom;
    this.d1 = d1;
    this.d2 = d2;
    this.now = now;
  }

  write(data: Uint8Array): void {
    const cmd = data[0] ?? 0;
    this.pointer = cmd;
    if (cmd === 0x1e) {
      this.resets++;
      this.pending = undefined;
    } else if (cmd >= 0x40 && cmd <= 0x5a && cmd % 2 === 0 && (cmd & 0x0f) <= 0x0a) {
      const osr = (cmd & 0x0f) >> 1;
      const isD1 = cmd < 0x50;
      let value = this.d2;
      if (isD1) {
        const s = this.d1Sequence;
        value = s !== undefined && s.length > 0 ? (s[this.seq++ % s.length] as number) : this.d1;
      }
      this.pending = { value, readyAt: this.now() + (CONVERSION_MS[osr] ?? 0) };
    }
  }

  read(length: number): Uint8Array {
    const out = new Uint8Array(length);
    const cmd = this.pointer;
    if (cmd === 0x00) {
      const p = this.pending;
      this.pending = undefined;
      const v = p !== undefined && this.now() >= p.readyAt ? p.value : 0;
      out.set([(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff].slice(0, length));
    } else if (cmd >= 0xa0 && cmd <= 0xae) {
      const w = this.prom[(cmd - 0xa0) >> 1] ?? 0;
      out.set([w >> 8, w & 0xff].slice(0, length));
    }
    return out;
  }
}

/** The 30BA worked example of docs/reference-data.md, with a valid PROM word 0. */
export const MS5837_30BA_EXAMPLE = {
  prom: [0x9340, 34982, 36352, 20328, 22354, 26646, 26146],
  d1: 4958179,
  d2: 6815414,
};

/** The 02BA worked example (word 0 version 0x00). */
export const MS5837_02BA_EXAMPLE = {
  prom: [0x8000, 46372, 43981, 29059, 27842, 31553, 28165],
  d1: 6465444,
  d2: 8077636,
};
