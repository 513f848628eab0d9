/**
 * PCA9685 register map and PWM arithmetic (NXP datasheet), pure.
 * 12-bit counter; channel n has ON_L, ON_H, OFF_L, OFF_H at 0x06 + 4n; bit 4 of ON_H / OFF_H is
 * full-on / full-off.
 */
export const PCA9685_REG = {
  mode1: 0x00,
  mode2: 0x01,
  led0: 0x06,
  allLed: 0xfa,
  prescale: 0xfe,
} as const;

export const MODE1 = { restart: 0x80, ai: 0x20, sleep: 0x10, allcall: 0x01 } as const;
/** MODE2 OUTDRV: totem-pole outputs (the reset default). */
export const MODE2_OUTDRV = 0x04;
export const PCA9685_OSC_HZ = 25_000_000;
export const PCA9685_CHANNELS = 16;
/** Oscillator start-up after clearing SLEEP before RESTART may be written (datasheet: 500 µs). */
export const PCA9685_WAKE_MS = 0.5;

/** prescale = round(osc / (4096 · f)) − 1, valid 3..255. */
export function prescaleFor(frequencyHz: number, oscillatorHz = PCA9685_OSC_HZ): number {
  const p = Math.round(oscillatorHz / (4096 * frequencyHz)) - 1;
  if (!Number.isFinite(p) || p < 3 || p > 255) {
    throw new RangeError(`PWM frequency ${frequencyHz} Hz needs prescale ${p}, outside 3..255`);
  }
  return p;
}

/** Length of one counter tick in µs for a prescale. */
export function tickMicros(prescale: number, oscillatorHz = PCA9685_OSC_HZ): number {
  return ((prescale + 1) * 1e6) / oscillatorHz;
}

/** Actual output frequency for a prescale. */
export function frequencyFor(prescale: number, oscillatorHz = PCA9685_OSC_HZ): number {
  return oscillatorHz / (4096 * (prescale + 1));
}

/** Pulse width in µs → OFF count (ON at 0), clamped to 0..4096 (4096 meaning full on). */
export function countsForMicros(us: number, prescale: number, oscillatorHz = PCA9685_OSC_HZ): number {
  if (!Number.isFinite(us) || us <= 0) return 0;
  return Math.min(4096, Math.round(us / tickMicros(prescale, oscillatorHz)));
}

/**
 * Writes the 4 channel bytes for an OFF count into `out` at `offset`: 0 → full off, 4096 → full
 * on, otherwise ON = 0, OFF = count.
 */
export function encodeChannel(count: number, out: Uint8Array, offset: number): void {
  if (count <= 0) out.set([0, 0, 0, 0x10], offset);
  else if (count >= 4096) out.set([0, 0x10, 0, 0], offset);
  else out.set([0, 0, count & 0xff, (count >> 8) & 0x0f], offset);
}
