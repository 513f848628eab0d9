/**
 * INA260 register map and conversions (TI INA260 datasheet). Registers are 16-bit big-endian.
 * Current 1.25 mA/LSB (two's complement), bus voltage 1.25 mV/LSB, power 10 mW/LSB.
 */
export const INA260_REG = {
  config: 0x00,
  current: 0x01,
  busVoltage: 0x02,
  power: 0x03,
  maskEnable: 0x06,
  alertLimit: 0x07,
  manufacturerId: 0xfe,
  dieId: 0xff,
} as const;

/** "TI" in ASCII. */
export const INA260_MANUFACTURER_ID = 0x5449;
/** Die id bits 15:4 (revision in bits 3:0 is not checked). */
export const INA260_DIE_ID = 0x227;

export const INA260_AVERAGES = [1, 4, 16, 64, 128, 256, 512, 1024] as const;
export type Ina260Averages = (typeof INA260_AVERAGES)[number];

export function currentAmps(raw: number): number {
  const v = raw & 0xffff;
  return (v >= 0x8000 ? v - 0x10000 : v) * 0.00125;
}

export function busVolts(raw: number): number {
  return (raw & 0xffff) * 0.00125;
}

export function powerWatts(raw: number): number {
  return (raw & 0xffff) * 0.01;
}

/**
 * CONFIG word: averaging (bits 11:9), bus and shunt conversion times 1.1 ms (code 4, bits 8:6
 * and 5:3), mode 7 = shunt and bus continuous. The reset default is 0x6127 (1 average).
 */
export function configWord(averages: Ina260Averages): number {
  const avg = INA260_AVERAGES.indexOf(averages);
  if (avg < 0) throw new RangeError(`INA260 averages must be one of ${INA260_AVERAGES.join(", ")}`);
  return 0x6000 | (avg << 9) | (4 << 6) | (4 << 3) | 7;
}
