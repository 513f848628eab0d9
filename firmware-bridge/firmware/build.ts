import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TethysError } from "../../src/kernel/errors.ts";

/** Runs `make` in this folder; used by tests and by the simulator to build the firmware. */

export const FIRMWARE_DIR = fileURLToPath(new URL(".", import.meta.url));
export const HOST_BINARY = fileURLToPath(new URL("build/tethys-mcu-host", import.meta.url));
export const AVR_HEX = fileURLToPath(new URL("build/tethys-mcu.hex", import.meta.url));

export interface MakeResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `make -C firmware <target> [VAR=value ...]` and collects its output (never rejects on a failed build). */
export function make(target: string, vars: Record<string, string | number> = {}): Promise<MakeResult> {
  const args = ["-s", "-C", FIRMWARE_DIR, target, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)];
  return new Promise((resolve, reject) => {
    const child = spawn("make", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", (err) => reject(new TethysError("MCU_BUILD", `cannot run make: ${err.message}`, { cause: err })));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Builds the host firmware if needed and returns the executable's path; rejects with MCU_BUILD
 * when the build fails. `variant` builds with other options in its own folder, e.g.
 * `{ dir: "wd300", vars: { WATCHDOG_MS: 300 } }` → build/wd300/tethys-mcu-host.
 */
export async function ensureHostBuild(variant?: {
  dir: string;
  vars: Record<string, string | number>;
}): Promise<string> {
  if (variant !== undefined && !/^[a-z0-9-]+$/.test(variant.dir)) {
    throw new TethysError("MCU_BUILD", `bad build variant folder ${variant.dir}`);
  }
  const vars = variant === undefined ? {} : { ...variant.vars, BUILD: `build/${variant.dir}` };
  const r = await make("host", vars);
  if (r.code !== 0) {
    throw new TethysError("MCU_BUILD", "building the host firmware failed", { details: { stderr: r.stderr } });
  }
  return variant === undefined ? HOST_BINARY : join(FIRMWARE_DIR, "build", variant.dir, "tethys-mcu-host");
}

/** Builds the AVR image if needed (`make avr`) and returns the .hex path; rejects with MCU_BUILD. */
export async function ensureAvrBuild(): Promise<string> {
  const r = await make("avr");
  if (r.code !== 0) {
    throw new TethysError("MCU_BUILD", "building the AVR image failed", { details: { stderr: r.stderr } });
  }
  return AVR_HEX;
}
