import { RegisterFileDevice } from "./fake-i2c-bus.ts";

/** Minimal INA260: 16-bit big-endian registers with the datasheet's ids and reset config. */
export class FakeIna260 extends RegisterFileDevice {
  constructor() {
    super(256, 2);
    this.setWord(0x00, 0x6127, true);
    this.setWord(0xfe, 0x5449, true);
    this.setWord(0xff, 0x2270, true);
  }

  /** Store raw register values (current as signed LSB count). */
  setRaw(current: number, busVoltage: number, power: number): void {
    this.setWord(0x01, current & 0xffff, true);
    this.setWord(0x02, busVoltage, true);
    this.setWord(0x03, power, true);
  }

  word(reg: number): number {
    return ((this.regs[reg * 2] ?? 0) << 8) | (this.regs[reg * 2 + 1] ?? 0);
  }
}
