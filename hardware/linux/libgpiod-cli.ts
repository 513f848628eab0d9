/**
 * Pure helpers for driving the libgpiod command-line tools (gpiodetect, gpioget, gpioset,
 * gpiomon). Their syntax changed between v1 (chip as a positional argument, `--mode=signal`,
 * `-r/-f`, `%e` = 0 falling / 1 rising) and v2 (`-c chip`, holds by default, `-e edges`,
 * `%E` = rising/falling): every builder takes the detected major version.
 */
import type { GpioEdge } from "../ports/gpio.ts";

export type GpiodVersion = 1 | 2;

/** "gpioget (libgpiod) v1.6.3" / "gpioget (libgpiod) v2.1" → 1 / 2. */
export function parseGpiodVersion(text: string): GpiodVersion | undefined {
  const m = /\bv?(\d+)\.(\d+)/.exec(text);
  if (m === null) return undefined;
  const major = Number(m[1]);
  return major === 1 ? 1 : major === 2 ? 2 : undefined;
}

export interface DetectedChip {
  name: string;
  label: string;
  lines: number;
}

/** gpiodetect lines: "gpiochip0 [pinctrl-bcm2711] (58 lines)" (same in v1 and v2). */
export function parseGpiodetect(text: string): DetectedChip[] {
  const chips: DetectedChip[] = [];
  for (const raw of text.split("\n")) {
    const m = /^\s*(gpiochip\d+)\s+\[([^\]]*)\]\s+\((\d+)\s+lines?\)/.exec(raw);
    if (m !== null) chips.push({ name: m[1] as string, label: m[2] as string, lines: Number(m[3]) });
  }
  return chips;
}

/** Chip by device name, "/dev/<name>" path, or label. */
export function findChip(chips: readonly DetectedChip[], chip: string): DetectedChip | undefined {
  const name = chip.startsWith("/dev/") ? chip.slice(5) : chip;
  return chips.find((c) => c.name === name) ?? chips.find((c) => c.label === chip);
}

const low = (activeLow: boolean) => (activeLow ? ["-l"] : []);

export function gpiogetArgs(v: GpiodVersion, chip: string, line: number, activeLow: boolean): string[] {
  return v === 1 ? [...low(activeLow), chip, String(line)] : ["--numeric", "-c", chip, ...low(activeLow), String(line)];
}

/** The holder process: keeps the line driven until it receives SIGTERM. */
export function gpiosetArgs(v: GpiodVersion, chip: string, line: number, value: 0 | 1, activeLow: boolean): string[] {
  return v === 1
    ? [...low(activeLow), "--mode=signal", chip, `${line}=${value}`]
    : ["-c", chip, ...low(activeLow), `${line}=${value}`];
}

export function gpiomonArgs(v: GpiodVersion, chip: string, line: number, edge: GpioEdge, activeLow: boolean): string[] {
  if (v === 1) {
    const e = edge === "rising" ? ["-r"] : edge === "falling" ? ["-f"] : [];
    return [...low(activeLow), "-b", ...e, "-F", "%o %e", chip, String(line)];
  }
  return ["-c", chip, ...low(activeLow), "-e", edge === "none" ? "both" : edge, "-F", "%o %E", String(line)];
}

/** One gpiomon output line → offset and logical level after the edge. */
export function parseMonitorLine(v: GpiodVersion, text: string): { offset: number; value: 0 | 1 } | undefined {
  const m = /^\s*(\d+)\s+(\S+)\s*$/.exec(text);
  if (m === null) return undefined;
  const offset = Number(m[1]);
  const kind = m[2] as string;
  if (v === 1) {
    if (kind === "1") return { offset, value: 1 };
    if (kind === "0") return { offset, value: 0 };
    return undefined;
  }
  if (kind === "rising" || kind === "1") return { offset, value: 1 };
  if (kind === "falling" || kind === "2") return { offset, value: 0 };
  return undefined;
}

/** gpioget output: "1", or v2's non-numeric `"17"=active` form. */
export function parseGetOutput(text: string): 0 | 1 | undefined {
  const t = text.trim();
  if (t === "1" || /=active$/.test(t)) return 1;
  if (t === "0" || /=inactive$/.test(t)) return 0;
  return undefined;
}

export type ToolFailure = "busy" | "not-found" | "access" | "other";

/** Classifies a tool's stderr. */
export function classifyToolError(stderr: string): ToolFailure {
  if (/busy/i.test(stderr)) return "busy";
  if (/permission denied|not permitted/i.test(stderr)) return "access";
  if (/no such|not found|invalid (line|offset)|out of range|cannot find/i.test(stderr)) return "not-found";
  return "other";
}
