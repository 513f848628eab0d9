/**
 * GPIO port: single lines on a gpiochip, addressed by chip label or path and line offset
 * (never by a global sysfs number, which differs between kernels).
 *
 * Contract (every backend passes test/contract/gpio.contract.ts):
 * - `GpioProvider.open(spec)` claims the line with the given direction; rejects with
 *   GPIO_NOT_FOUND if chip or line does not exist, GPIO_BUSY if it is claimed elsewhere,
 *   GPIO_BAD_SPEC if the spec is malformed (e.g. an edge on an output).
 * - `read()` resolves with the logical value 0 or 1 (after active-low inversion).
 * - `write(v)` on an output sets the logical value; on an input rejects with GPIO_DIRECTION.
 * - `watch(listener)` on an input configured with an edge calls listener(value, timeMs) on each
 *   edge, in order. Returns the function that stops watching. `watch` on an output or on an input
 *   opened with edge "none" throws GPIO_NO_EDGE (a programming error, reported at once).
 * - After `close()` the line is released; further calls reject with GPIO_CLOSED.
 */
export type GpioDirection = "in" | "out";
export type GpioEdge = "none" | "rising" | "falling" | "both";

export interface GpioLineSpec {
  /** gpiochip label (e.g. "pinctrl-bcm2835") or device name ("gpiochip0"). */
  chip: string;
  line: number;
  direction: GpioDirection;
  edge?: GpioEdge;
  activeLow?: boolean;
  /** Initial value for outputs (logical). */
  initial?: 0 | 1;
}

export interface GpioLine {
  readonly spec: Readonly<GpioLineSpec>;
  read(): Promise<0 | 1>;
  write(value: 0 | 1): Promise<void>;
  watch(listener: (value: 0 | 1, timeMs: number) => void): () => void;
  close(): Promise<void>;
}

export interface GpioProvider {
  open(spec: GpioLineSpec): Promise<GpioLine>;
}
