/**
 * TI ADS1115 16-bit ADC: register map and conversions (datasheet SBAS444). Registers are 16-bit
 * big-endian behind a pointer byte: conversion 0x00 (two's complement, LSB = FSR / 2^15), config
 * 0x01 (reset 0x8583), Lo_thresh 0x02 (reset 0x8000), Hi_thresh 0x03 (reset 0x7FFF).
 *
 * Config bits: 15 OS (write 1: start a single conversion; read 0: converting), 14:12 MUX (4..7:
 * AINx against GND), 11:9 PGA (full-scale ±6.144, 4.096, 2.048, 1.024, 0.512, 0.256 V), 8 MODE
 * (1 single-shot), 7:5 DR (8, 16, 32, 64, 128, 250, 475, 860 samples/s), 4:0 comparator (0b00011:
 * disabled). Addresses 0x48–0x4B (ADDR to GND, VDD, SDA, SCL).
 */
export const ADS1115_REG = { conversion: 0x00, config: 0x01, loThresh: 0x02, hiThresh: 0x03 } as const;
export const ADS1115_CONFIG_RESET = 0x8583;
export const ADS1115_OS = 0x8000;

/** Full-scale range (V) per PGA code; codes 5–7 are all ±0.256 V. */
export const ADS1115_FSR = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256] as const;
/** Samples per second per DR code. */
export const ADS1115_RATES = [8, 16, 32, 64, 128, 250, 475, 860] as const;
export type Ads1115Rate = (typeof ADS1115_RATES)[number];
export type Ads1115Range = 6.144 | 4.096 | 2.048 | 1.024 | 0.512 | 0.256;

/** Single-shot config word: AIN`channel` against GND, the range and rate given, comparator off. */
export function singleShotConfig(channel: number, range: Ads1115Range, rate: Ads1115Rate): number {
  if (!Number.isInteger(channel) || channel < 0 || channel > 3) throw new RangeError("ADS1115 channel must be 0..3");
  const pga = ADS1115_FSR.indexOf(range);
  const dr = ADS1115_RATES.indexOf(rate);
  if (pga < 0) throw new RangeError(`ADS1115 range must be one of ${ADS1115_FSR.slice(0, 6).join(", ")} V`);
  if (dr < 0) throw new RangeError(`ADS1115 rate must be one of ${ADS1115_RATES.join(", ")} samples/s`);
  return ADS1115_OS | ((4 + channel) << 12) | (pga << 9) | 0x0100 | (dr << 5) | 0b00011;
}

/** Volts of a conversion word at a full-scale range. */
export function codeVolts(word: number, range: number): number {
  const w = word & 0xffff;
  return ((w >= 0x8000 ? w - 0x10000 : w) * range) / 32768;
}

/** The code is at either end of the scale: the input is at or beyond the range. */
export function codeSaturated(word: number): boolean {
  const w = word & 0xffff;
  return w === 0x7fff || w === 0x8000;
}

/** Conversion time (ms) at a rate: one sample period, plus 10 % for the internal oscillator's tolerance. */
export function conversionMs(rate: Ads1115Rate): number {
  return (1000 / rate) * 1.1;
}
