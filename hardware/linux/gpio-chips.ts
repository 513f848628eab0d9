import { readdir, readFile, realpath } from "node:fs/promises";
import { basename, join } from "node:path";
import type { TethysError } from "../../src/kernel/errors.ts";
import { gpioNotFound } from "../common/gpio-errors.ts";

/** One gpiochip as the sysfs GPIO class lists it. */
export interface SysfsChip {
  /** Directory name under class/gpio, named by base ("gpiochip512"). */
  sysfsName: string;
  base: number;
  ngpio: number;
  label: string;
  /** Character-device name ("gpiochip0") when sysfs links it. */
  devName: string | undefined;
}

async function readTrim(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return undefined;
  }
}

async function devNameOf(dir: string): Promise<string | undefined> {
  const dev = join(dir, "device");
  try {
    const real = basename(await realpath(dev));
    if (/^gpiochip\d+$/.test(real)) return real;
    const entries = await readdir(dev);
    return entries.find((e) => /^gpiochip\d+$/.test(e));
  } catch {
    return undefined;
  }
}

/**
 * Lists gpiochips from `<sysRoot>/class/gpio/gpiochip*` (base, ngpio, label). The base is what
 * sysfs GPIO numbers are relative to: 0 on older kernels, 512 or more on Raspberry Pi OS
 * Bookworm, so `global = base + offset` must be looked up, never assumed. Chips with unreadable
 * or malformed files are skipped. An absent class directory (sysfs GPIO removed) gives [].
 */
export async function listSysfsChips(sysRoot = "/sys"): Promise<SysfsChip[]> {
  const classDir = join(sysRoot, "class", "gpio");
  let names: string[];
  try {
    names = (await readdir(classDir)).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return [];
  }
  const chips: SysfsChip[] = [];
  for (const name of names.sort()) {
    const dir = join(classDir, name);
    const base = Number(await readTrim(join(dir, "base")));
    const ngpio = Number(await readTrim(join(dir, "ngpio")));
    const label = (await readTrim(join(dir, "label"))) ?? "";
    if (!Number.isInteger(base) || base < 0 || !Number.isInteger(ngpio) || ngpio <= 0) continue;
    chips.push({ sysfsName: name, base, ngpio, label, devName: await devNameOf(dir) });
  }
  return chips;
}

/** True when the sysfs GPIO interface exists (the kernel has CONFIG_GPIO_SYSFS). */
export async function hasSysfsGpio(sysRoot = "/sys"): Promise<boolean> {
  try {
    await readdir(join(sysRoot, "class", "gpio"));
    return true;
  } catch {
    return false;
  }
}

/**
 * The global sysfs number of `line` on `chip`, where chip is a label ("pinctrl-bcm2711"), a
 * character-device name ("gpiochip0") or a sysfs name ("gpiochip512"). Label matches win.
 */
export function globalGpioNumber(
  chips: readonly SysfsChip[],
  spec: { chip: string; line: number },
): number | TethysError {
  const found =
    chips.find((c) => c.label === spec.chip) ??
    chips.find((c) => c.devName === spec.chip) ??
    chips.find((c) => c.sysfsName === spec.chip);
  if (found === undefined) {
    const known = chips.map((c) => `${c.label} (${c.devName ?? c.sysfsName})`).join(", ");
    return gpioNotFound(spec, `no gpiochip labelled or named "${spec.chip}" (known: ${known || "none"})`);
  }
  if (!Number.isInteger(spec.line) || spec.line < 0 || spec.line >= found.ngpio) {
    return gpioNotFound(spec, `line ${spec.line} is outside 0..${found.ngpio - 1} of ${found.label}`);
  }
  return found.base + spec.line;
}
