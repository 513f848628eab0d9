/**
 * Register-level model of the NXP PCA9685 16-channel PWM controller (address 0x40) driving ESCs.
 *
 * MODE1 0x00 (reset 0x11: SLEEP | ALLCALL; bits RESTART 0x80, AI 0x20, SLEEP 0x10), MODE2 0x01,
 * LEDn_ON_L/H, OFF_L/H at 0x06 + 4n, ALL_LED 0xFA–0xFD, PRE_SCALE 0xFE (reset 0x1E; written only
 * while SLEEP is set, ignored otherwise; minimum 3). Writes auto-increment the register pointer
 * only when AI is set; reads likewise. Channel output: full-on bit (ON_H bit 4) → always high,
 * full-off bit (OFF_H bit 4) → low, else high for (OFF − ON) mod 4096 counts of a period of
 * (PRE_SCALE + 1)·4096 / 25 MHz. While asleep (oscillator off) no channel pulses. Leaving sleep
 * with channels active sets RESTART; writing 1 to RESTART clears it. `pulseUs(ch)` is what the
 * simulated ESCs see (0 = no pulses); changes take effect at once (the real part waits for the
 * end of the PWM cycle).
 */
import type { SimI2cDevice } from "./device.ts";

export const PCA9685_ADDRESS = 0x40;
export const PCA9685_REG = { MODE1: 0x00, MODE2: 0x01, LED0_ON_L: 0x06, ALL_LED_ON_L: 0xfa, PRE_SCALE: 0xfe } as const;
export const MODE1 = { RESTART: 0x80, AI: 0x20, SLEEP: 0x10, ALLCALL: 0x01 } as const;
const OSC_HZ = 25_000_000;

export class Pca9685Model implements SimI2cDevice {
  readonly kind = "pca9685";
  private readonly regs = new Uint8Array(256);
  private pointer = 0;
  private stuck = false;
  private readonly frozen = new Float64Array(16);

  constructor() {
    this.reset();
  }

  reset(): void {
    this.regs.fill(0);
    this.regs[PCA9685_REG.MODE1] = MODE1.SLEEP | MODE1.ALLCALL;
    this.regs[PCA9685_REG.MODE2] = 0x04;
    this.regs[0x02] = 0xe2;
    this.regs[0x03] = 0xe4;
    this.regs[0x04] = 0xe8;
    this.regs[0x05] = 0xe0;
    // Every channel starts full-off (LEDn_OFF_H bit 4).
    for (let ch = 0; ch < 16; ch++) this.regs[0x09 + 4 * ch] = 0x10;
    this.regs[PCA9685_REG.PRE_SCALE] = 0x1e;
  }

  /** Stuck: the outputs keep their present pulse widths whatever is written. */
  setStuck(on: boolean): void {
    if (on) for (let ch = 0; ch < 16; ch++) this.frozen[ch] = this.livePulse(ch);
    this.stuck = on;
  }

  acks(): boolean {
    return true;
  }

  write(data: Uint8Array): void {
    this.pointer = data[0] ?? 0;
    const ai = ((this.regs[0] as number) & MODE1.AI) !== 0;
    for (let i = 1; i < data.length; i++) {
      this.writeReg(this.pointer, data[i] as number);
      if (ai) this.pointer = this.nextPointer(this.pointer);
    }
  }

  read(out: Uint8Array): void {
    const ai = ((this.regs[0] as number) & MODE1.AI) !== 0;
    let p = this.pointer;
    for (let i = 0; i < out.length; i++) {
      out[i] = p >= 0xfa && p <= 0xfd ? 0 : (this.regs[p] as number);
      if (ai) p = this.nextPointer(p);
    }
  }

  /** PWM frequency from PRE_SCALE, Hz. */
  frequencyHz(): number {
    return OSC_HZ / (4096 * ((this.regs[PCA9685_REG.PRE_SCALE] as number) + 1));
  }

  /** High time of channel `ch` per period, µs (0 when asleep, full-off or no pulses). */
  pulseUs(ch: number): number {
    return this.stuck ? (this.frozen[ch] ?? 0) : this.livePulse(ch);
  }

  private livePulse(ch: number): number {
    if (((this.regs[0] as number) & MODE1.SLEEP) !== 0) return 0;
    const base = PCA9685_REG.LED0_ON_L + 4 * ch;
    const onH = this.regs[base + 1] as number;
    const offH = this.regs[base + 3] as number;
    const periodUs = 1e6 / this.frequencyHz();
    if (offH & 0x10) return 0;
    if (onH & 0x10) return periodUs;
    const on = ((onH & 0x0f) << 8) | (this.regs[base] as number);
    const off = ((offH & 0x0f) << 8) | (this.regs[base + 2] as number);
    const counts = (off - on + 4096) % 4096;
    return (counts * periodUs) / 4096;
  }

  private nextPointer(p: number): number {
    // Auto-increment runs 0x00..0x45 and wraps to 0x00 (ALL_LED/PRE_SCALE are not in the loop).
    if (p >= 0x45 && p < 0xfa) return 0;
    return (p + 1) & 0xff;
  }

  private writeReg(r: number, v: number): void {
    if (r === PCA9685_REG.MODE1) {
      const old = this.regs[0] as number;
      let next = (v & ~MODE1.RESTART) | (old & MODE1.RESTART);
      if (v & MODE1.RESTART) next &= ~MODE1.RESTART; // writing 1 clears RESTART
      if (old & MODE1.SLEEP && !(v & MODE1.SLEEP) && this.anyActive()) next |= MODE1.RESTART;
      this.regs[0] = next & 0xff;
      return;
    }
    if (r === PCA9685_REG.PRE_SCALE) {
      if ((this.regs[0] as number) & MODE1.SLEEP) this.regs[r] = Math.max(3, v);
      return;
    }
    if (r >= 0xfa && r <= 0xfd) {
      for (let ch = 0; ch < 16; ch++) this.regs[0x06 + 4 * ch + (r - 0xfa)] = v;
      return;
    }
    if (r <= 0x45) this.regs[r] = v;
  }

  private anyActive(): boolean {
    for (let ch = 0; ch < 16; ch++) if (!((this.regs[0x09 + 4 * ch] as number) & 0x10)) return true;
    return false;
  }
}
