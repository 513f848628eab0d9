import { TethysError } from "../../src/kernel/errors.ts";
import { RegisterFileDevice } from "./fake-i2c-bus.ts";

/**
 * Minimal BNO055: CHIP_ID 0xA0, OPR_MODE with the datasheet's switching times (a transaction
 * during a switch is NACKed, so a driver that does not wait fails), data registers set by tests.
 * Not a fusion model — the simulator has that.
 */
export class FakeBno055 extends RegisterFileDevice {
  private busyUntil = 0;
  private readonly now: () => number;
  /** Every OPR_MODE value written, with the time. */
  readonly modeWrites: { mode: number; at: number }[] = [];

  constructor(now: () => number = () => 0) {
    super(128, 1);
    this.now = now;
    this.regs[0x00] = 0xa0;
    this.regs[0x01] = 0xfb;
    this.regs[0x02] = 0x32;
    this.regs[0x03] = 0x0f;
    this.regs[0x3d] = 0x00;
    this.onWrite = (reg, bytes) => {
      if (reg === 0x3d && bytes.length > 0) {
        const from = this.modeWrites.at(-1)?.mode ?? 0;
        const to = (bytes[0] ?? 0) & 0x0f;
        this.modeWrites.push({ mode: to, at: this.now() });
        this.busyUntil = this.now() + (to === 0 ? 19 : from === 0 ? 7 : 0);
      }
    };
  }

  override write(data: Uint8Array): void {
    this.checkIdle();
    super.write(data);
  }

  override read(length: number): Uint8Array {
    this.checkIdle();
    return super.read(length);
  }

  private checkIdle(): void {
    if (this.now() < this.busyUntil) throw new TethysError("I2C_NACK", "BNO055 busy switching mode");
  }

  /** Store a sample in raw units (Euler 16/°, quaternion 2^14, gyro 16 per °/s, lin. acc. 100 per m/s²). */
  setRaw(values: { euler?: number[]; quat?: number[]; gyro?: number[]; lia?: number[]; calib?: number }): void {
    const put = (reg: number, vs: number[] | undefined) => {
      for (const [i, v] of (vs ?? []).entries()) this.setWord(reg + 2 * i, v, false);
    };
    put(0x1a, values.euler);
    put(0x20, values.quat);
    put(0x14, values.gyro);
    put(0x28, values.lia);
    if (values.calib !== undefined) this.regs[0x35] = values.calib;
  }
}
