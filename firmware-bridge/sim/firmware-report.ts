import { TethysError } from "../../src/kernel/errors.ts";

/**
 * Parser of the host firmware's side channel (stderr lines, see firmware/src/hal_host.c):
 *   ready proto=<N> fw=<x.y.z> watchdog_ms=<W>
 *   pulses <ms> <t1> .. <t8> <lights_us> <servo_us>
 *   event <code> <ms> <detail>
 * Pure; anything else is returned as `other`.
 */
export type FirmwareReport =
  | { kind: "ready"; proto: number; firmware: string; watchdogMs: number }
  | { kind: "pulses"; mcuMs: number; thrusters: number[]; lightsUs: number; servoUs: number }
  | { kind: "event"; code: number; mcuMs: number; detail: number }
  | { kind: "other"; line: string };

const INT = /^\d+$/;

export function parseFirmwareLine(line: string): FirmwareReport {
  const parts = line.trim().split(/\s+/);
  const nums = (from: number): number[] | undefined => {
    const xs = parts.slice(from);
    return xs.every((x) => INT.test(x)) ? xs.map(Number) : undefined;
  };
  if (parts[0] === "pulses" && parts.length === 12) {
    const n = nums(1);
    if (n)
      return {
        kind: "pulses",
        mcuMs: n[0] as number,
        thrusters: n.slice(1, 9),
        lightsUs: n[9] as number,
        servoUs: n[10] as number,
      };
  }
  if (parts[0] === "event" && parts.length === 4) {
    const n = nums(1);
    if (n) return { kind: "event", code: n[0] as number, mcuMs: n[1] as number, detail: n[2] as number };
  }
  const ready = /^ready proto=(\d+) fw=(\d+\.\d+\.\d+) watchdog_ms=(\d+)$/.exec(line.trim());
  if (ready) {
    return { kind: "ready", proto: Number(ready[1]), firmware: ready[2] as string, watchdogMs: Number(ready[3]) };
  }
  return { kind: "other", line };
}

/** Like parseFirmwareLine, but a malformed `pulses`/`event` line is an MCU_SIM_REPORT error. */
export function parseFirmwareLineStrict(line: string): FirmwareReport {
  const r = parseFirmwareLine(line);
  if (r.kind === "other" && /^(pulses|event|ready)\b/.test(line)) {
    throw new TethysError("MCU_SIM_REPORT", `malformed host firmware report: ${line.slice(0, 120)}`);
  }
  return r;
}
