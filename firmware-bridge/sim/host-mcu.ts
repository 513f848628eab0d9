import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { type PtyPair, startPtyPair } from "../../hardware/linux/pty-pair.ts";
import { Emitter } from "../../src/kernel/emitter.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import { ensureHostBuild } from "../firmware/build.ts";
import { type FirmwareReport, parseFirmwareLine } from "./firmware-report.ts";

export type PulseReport = Extract<FirmwareReport, { kind: "pulses" }>;
export type FirmwareEvent = Extract<FirmwareReport, { kind: "event" }>;

/** Analog and leak inputs of the simulated MCU (what its ADC and leak pin would read). */
export interface McuInputs {
  supplyV: number;
  currentA: number;
  tempC: number;
  leak: boolean;
}

export interface HostMcuOptions {
  /** Folder for the pty symlinks (default: a fresh temporary folder, removed by stop()). */
  dir?: string;
  /** Host firmware executable (default: build it with `make host`). */
  binary?: string;
}

/**
 * The simulated vehicle's motor controller: the host build of the real firmware behind a socat
 * pty pair. The agent opens `path` with its real serial backend; the firmware's pulse outputs
 * arrive as `onPulses` events (µs per thruster) for the simulator's thrusters. `unplug()` and
 * `replug()` stop and restart socat and the firmware on the same symlinked path.
 */
export class HostMcu {
  /** The device path the agent opens (a symlink to the pty end). */
  readonly path: string;
  private readonly fwPath: string;
  private readonly dir: string;
  private readonly ownsDir: boolean;
  private readonly binary: string;
  private pty: PtyPair | undefined;
  private fw: ChildProcess | undefined;
  private fwExit: Promise<void> = Promise.resolve();
  /** Thruster pulse widths (µs), each time an output changes. */
  readonly onPulses = new Emitter<number[]>();
  /** The full report behind each onPulses (with lights, camera servo and the MCU's time). */
  readonly onReport = new Emitter<PulseReport>();
  readonly onEvent = new Emitter<FirmwareEvent>();
  /** The firmware process ended without unplug()/stop() (exit code, or the signal's name). */
  readonly onCrash = new Emitter<number | string>();
  /** The last pulse report, if any. */
  latest: PulseReport | undefined;
  private inputs: McuInputs | undefined;

  private constructor(dir: string, ownsDir: boolean, binary: string) {
    this.dir = dir;
    this.ownsDir = ownsDir;
    this.binary = binary;
    this.path = join(dir, "mcu");
    this.fwPath = join(dir, "mcu-firmware-end");
  }

  static async start(options: HostMcuOptions = {}): Promise<HostMcu> {
    const binary = options.binary ?? (await ensureHostBuild());
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), "tethys-mcu-"));
    const mcu = new HostMcu(dir, options.dir === undefined, binary);
    await mcu.replug();
    return mcu;
  }

  get running(): boolean {
    return this.fw !== undefined;
  }

  /** Process id of the running firmware (for fault-injection tests). */
  get pid(): number | undefined {
    return this.fw?.pid;
  }

  /** Starts socat and the firmware (no-op if running); resolves when the firmware is up. */
  async replug(): Promise<void> {
    if (this.fw !== undefined) return;
    rmSync(this.path, { force: true });
    rmSync(this.fwPath, { force: true });
    this.pty = await startPtyPair({ linkA: this.fwPath, linkB: this.path });
    const fw = spawn(this.binary, ["--port", this.fwPath], { stdio: ["pipe", "ignore", "pipe"] });
    fw.stdin?.on("error", () => {}); // the firmware may exit with a line in flight
    this.fw = fw;
    this.fwExit = new Promise((resolve) => fw.once("exit", () => resolve()));
    fw.once("exit", (code, signal) => {
      if (this.fw !== fw) return; // unplug() or stop()
      this.fw = undefined;
      this.onCrash.emit(code ?? signal ?? "unknown");
    });
    const ready = new Promise<void>((resolve, reject) => {
      fw.once("error", (err) =>
        reject(new TethysError("MCU_SIM_START", `cannot start the host firmware: ${err.message}`, { cause: err })),
      );
      fw.once("exit", (code) => reject(new TethysError("MCU_SIM_START", `host firmware exited with ${code}`)));
      const rl = createInterface({ input: fw.stderr as NodeJS.ReadableStream });
      rl.on("line", (line) => {
        const r = parseFirmwareLine(line);
        if (r.kind === "pulses") {
          this.latest = r;
          this.onReport.emit(r);
          this.onPulses.emit(r.thrusters);
          resolve(); // the first pulse report follows init: the firmware is running
        } else if (r.kind === "event") this.onEvent.emit(r);
      });
    });
    await ready;
    if (this.inputs !== undefined) this.writeInputs(this.inputs);
  }

  /**
   * Sets what the MCU's ADC and leak pin read (kept across replug). Values are quantised as
   * the 10-bit ADC would (supply ≈ 54 mV, current ≈ 12 mA, temperature ≈ 0.5 °C per count).
   */
  setInputs(inputs: McuInputs): void {
    const { supplyV, currentA, tempC } = inputs;
    const ok = (v: number, lo: number, hi: number): boolean => Number.isFinite(v) && v >= lo && v <= hi;
    if (!ok(supplyV, 0, 55) || !ok(currentA, 0, 112) || !ok(tempC, -50, 150)) {
      throw new TethysError("MCU_BAD_VALUE", "simulated MCU inputs out of range", { details: { ...inputs } });
    }
    this.inputs = { ...inputs };
    if (this.fw !== undefined) this.writeInputs(this.inputs);
  }

  private writeInputs(i: McuInputs): void {
    const line = `inputs ${Math.round(i.supplyV * 1000)} ${Math.round(i.currentA * 100)} ${Math.round(i.tempC * 100)} ${i.leak ? 1 : 0}\n`;
    this.fw?.stdin?.write(line);
  }

  /** Kills socat and the firmware: the agent's link sees the device vanish. */
  async unplug(): Promise<void> {
    const fw = this.fw;
    this.fw = undefined;
    // The device path goes first (as udev removes /dev/ttyACM0): once socat closes the ptys their
    // /dev/pts numbers can be reused at once by another process, and a stale symlink would lead
    // a reconnecting agent to that foreign pty.
    rmSync(this.path, { force: true });
    await this.pty?.stop();
    this.pty = undefined;
    if (fw && fw.exitCode === null && fw.signalCode === null) fw.kill("SIGTERM");
    await this.fwExit;
  }

  async stop(): Promise<void> {
    await this.unplug();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
