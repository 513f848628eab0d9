import { RegisterFileDevice } from "./fake-i2c-bus.ts";

/**
 * Minimal PCA9685: MODE1 reset value 0x11 (SLEEP, ALLCALL); PRE_SCALE (reset 0x1E) keeps a write
 * only while SLEEP is set, as the datasheet says; writing RESTART clears it. ALL_LED writes
 * apply to every channel. Auto-increment is assumed on.
 */
export class FakePca9685 extends RegisterFileDevice {
  restarts = 0;

  constructor() {
    super(256, 1);
    this.regs[0x00] = 0x11;
    this.regs[0x01] = 0x04;
    this.regs[0xfe] = 0x1e;
  }

  override write(data: Uint8Array): void {
    const reg = data[0] ?? 0;
    const before = this.regs[0xfe] ?? 0;
    const asleep = ((this.regs[0x00] ?? 0) & 0x10) !== 0;
    super.write(data);
    // PRE_SCALE is covered by this write: keep the old value unless asleep.
    if (reg <= 0xfe && reg + data.length - 1 > 0xfe && !asleep) this.regs[0xfe] = before;
    if (reg === 0x00 && data.length > 1 && ((data[1] ?? 0) & 0x80) !== 0) {
      this.restarts++;
      this.regs[0x00] = (this.regs[0x00] ?? 0) & 0x7f;
    }
    if (reg === 0xfa && data.length >= 5) {
      for (let ch = 0; ch < 16; ch++) this.regs.set(data.subarray(1, 5), 0x06 + 4 * ch);
    }
  }

  /** Decoded channel: "on", "off", or the OFF count with ON at 0. */
  channel(n: number): number | "on" | "off" {
    const o = 0x06 + 4 * n;
    const onH = this.regs[o + 1] ?? 0;
    const offH = this.regs[o + 3] ?? 0;
    if (offH & 0x10) return "off";
    if (onH & 0x10) return "on";
    return ((offH & 0x0f) << 8) | (this.regs[o + 2] ?? 0);
  }
}
