import { Emitter } from "../../src/kernel/emitter.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import {
  checkGpioSpec,
  gpioBusy,
  gpioClosed,
  gpioDirection,
  gpioNoEdge,
  gpioNotFound,
  lineName,
} from "../common/gpio-errors.ts";
import type { GpioEdge, GpioLine, GpioLineSpec, GpioProvider } from "../ports/gpio.ts";
import { globalGpioNumber, hasSysfsGpio, listSysfsChips } from "./gpio-chips.ts";
import { loadNative, type ModuleImporter } from "./native-loader.ts";

/** The part of onoff's API this backend uses. */
export interface OnoffGpio {
  read(): Promise<0 | 1>;
  write(value: 0 | 1): Promise<void>;
  watch(cb: (err: Error | null | undefined, value: 0 | 1) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

export interface OnoffModule {
  Gpio: {
    new (
      gpio: number,
      direction: "in" | "out" | "high" | "low",
      edge?: GpioEdge,
      options?: { activeLow?: boolean; reconfigureDirection?: boolean },
    ): OnoffGpio;
    accessible: boolean;
  };
}

export interface OnoffProviderOptions {
  /** Root of sysfs (default "/sys"); tests point it at a fake tree. */
  sysRoot?: string;
  importer?: ModuleImporter;
  /** Monotonic ms for edge timestamps (default performance.now). */
  now?: () => number;
  /** Errors reported by the epoll watcher (there is no caller to reject). */
  onError?: (err: TethysError) => void;
}

/** Global numbers claimed in this process, shared by every provider instance. */
const claimed = new Set<number>();

function mapOpenError(err: unknown, spec: GpioLineSpec, n: number): TethysError {
  const code = (err as { code?: unknown })?.code;
  const msg = err instanceof Error ? err.message : String(err);
  if (code === "EBUSY") return gpioBusy(spec);
  if (code === "EINVAL" || code === "ENOENT") return gpioNotFound(spec, `sysfs refused GPIO ${n}: ${msg}`);
  if (code === "EACCES" || code === "EPERM") {
    return new TethysError(
      "GPIO_ACCESS",
      `no permission for GPIO ${lineName(spec)} (sysfs ${n}): add the user to the gpio group`,
      {
        cause: err,
        details: { chip: spec.chip, line: spec.line, global: n },
      },
    );
  }
  return new TethysError("GPIO_IO", `GPIO ${lineName(spec)} (sysfs ${n}): ${msg}`, {
    cause: err,
    details: { chip: spec.chip, line: spec.line },
  });
}

function ioError(spec: GpioLineSpec, err: unknown): TethysError {
  if (err instanceof TethysError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new TethysError("GPIO_IO", `GPIO ${lineName(spec)}: ${msg}`, {
    cause: err,
    details: { chip: spec.chip, line: spec.line },
  });
}

/**
 * GpioProvider over the sysfs GPIO interface through onoff (loaded lazily). The global number
 * is base + offset with the base looked up by chip label in sysfs (Bookworm kernels start at
 * 512). Where sysfs GPIO is gone, use the libgpiod backend.
 */
export class OnoffGpioProvider implements GpioProvider {
  private readonly opts: OnoffProviderOptions;

  constructor(options: OnoffProviderOptions = {}) {
    this.opts = options;
  }

  async open(spec: GpioLineSpec): Promise<GpioLine> {
    const bad = checkGpioSpec(spec);
    if (bad !== undefined) throw bad;
    const root = this.opts.sysRoot ?? "/sys";
    if (!(await hasSysfsGpio(root))) {
      throw new TethysError(
        "GPIO_NO_SYSFS",
        `this kernel has no sysfs GPIO (${root}/class/gpio); use the libgpiod backend`,
        {
          details: { sysRoot: root },
        },
      );
    }
    const n = globalGpioNumber(await listSysfsChips(root), spec);
    if (typeof n !== "number") throw n;
    if (claimed.has(n)) throw gpioBusy(spec);
    const mod = await loadNative<OnoffModule>("onoff", this.opts.importer);
    claimed.add(n);
    try {
      const physInitial = ((spec.initial ?? 0) ^ (spec.activeLow === true ? 1 : 0)) as 0 | 1;
      const direction = spec.direction === "in" ? "in" : physInitial === 1 ? "high" : "low";
      const gpio = new mod.Gpio(n, direction, spec.direction === "in" ? (spec.edge ?? "none") : "none", {
        activeLow: spec.activeLow === true,
        reconfigureDirection: true,
      });
      return new OnoffLine(spec, n, gpio, this.opts);
    } catch (err) {
      claimed.delete(n);
      throw mapOpenError(err, spec, n);
    }
  }
}

class OnoffLine implements GpioLine {
  readonly spec: Readonly<GpioLineSpec>;
  private readonly n: number;
  private readonly gpio: OnoffGpio;
  private readonly opts: OnoffProviderOptions;
  private readonly edges = new Emitter<0 | 1, [timeMs: number]>({ listenerErrors: "propagate" });
  private watching = false;
  private closed = false;

  constructor(spec: GpioLineSpec, n: number, gpio: OnoffGpio, opts: OnoffProviderOptions) {
    this.spec = Object.freeze({ ...spec });
    this.n = n;
    this.gpio = gpio;
    this.opts = opts;
  }

  async read(): Promise<0 | 1> {
    if (this.closed) throw gpioClosed(this.spec);
    try {
      return (await this.gpio.read()) === 1 ? 1 : 0;
    } catch (err) {
      throw ioError(this.spec, err);
    }
  }

  async write(value: 0 | 1): Promise<void> {
    if (this.closed) throw gpioClosed(this.spec);
    if (this.spec.direction !== "out") throw gpioDirection(this.spec);
    try {
      await this.gpio.write(value === 1 ? 1 : 0);
    } catch (err) {
      throw ioError(this.spec, err);
    }
  }

  watch(listener: (value: 0 | 1, timeMs: number) => void): () => void {
    if (this.spec.direction !== "in" || (this.spec.edge ?? "none") === "none") throw gpioNoEdge(this.spec);
    if (this.closed) throw gpioClosed(this.spec);
    const remove = this.edges.on(listener);
    if (!this.watching) {
      this.watching = true;
      const now = this.opts.now ?? (() => performance.now());
      this.gpio.watch((err, value) => {
        if (this.closed) return;
        if (err) {
          this.opts.onError?.(ioError(this.spec, err));
          return;
        }
        const t = now();
        this.edges.emit(value === 1 ? 1 : 0, t);
      });
    }
    return remove;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.edges.clear();
    try {
      this.gpio.unwatchAll();
      this.gpio.unexport();
    } finally {
      claimed.delete(this.n);
    }
  }
}
