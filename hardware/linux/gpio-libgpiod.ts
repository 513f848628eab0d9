import type { Clock } from "../../src/kernel/clock.ts";
import { Emitter } from "../../src/kernel/emitter.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import {
  checkGpioSpec,
  gpioBusy,
  gpioClosed,
  gpioDirection,
  gpioNoEdge,
  gpioNotFound,
  lineName,
} from "../common/gpio-errors.ts";
import { SerialQueue } from "../common/serial-queue.ts";
import type { GpioLine, GpioLineSpec, GpioProvider } from "../ports/gpio.ts";
import { type ChildLike, collect, nodeSpawner, runToEnd, type Spawner } from "./child-process.ts";
import {
  classifyToolError,
  findChip,
  type GpiodVersion,
  gpiogetArgs,
  gpiomonArgs,
  gpiosetArgs,
  parseGetOutput,
  parseGpiodetect,
  parseGpiodVersion,
  parseMonitorLine,
} from "./libgpiod-cli.ts";

export interface LibgpiodTools {
  gpiodetect: string;
  gpioget: string;
  gpioset: string;
  gpiomon: string;
}

export interface LibgpiodOptions {
  /** Tool paths (default: found on PATH). */
  tools?: Partial<LibgpiodTools>;
  spawn?: Spawner;
  clock?: Clock;
  /** v1 tools print nothing on success: a holder still running after this long has the line. */
  startupGraceMs?: number;
  onError?: (err: TethysError) => void;
}

const claimed = new Set<string>();

function toolError(spec: GpioLineSpec, tool: string, stderr: string): TethysError {
  const kind = classifyToolError(stderr);
  if (kind === "busy") return gpioBusy(spec);
  if (kind === "not-found") return gpioNotFound(spec, stderr.trim());
  const code = kind === "access" ? "GPIO_ACCESS" : "GPIO_IO";
  return new TethysError(code, `${tool} failed for ${lineName(spec)}: ${stderr.trim() || "no message"}`, {
    details: { chip: spec.chip, line: spec.line },
  });
}

/**
 * GpioProvider driving the libgpiod command-line tools as child processes, for kernels without
 * sysfs GPIO. Outputs are held by a gpioset process (a write restarts it with the new value);
 * inputs with an edge are held by gpiomon, whose events update the cached level; plain inputs
 * are read with gpioget. See hardware/README.md for the caveats.
 */
export class LibgpiodGpioProvider implements GpioProvider {
  private readonly tools: LibgpiodTools;
  private readonly spawner: Spawner;
  private readonly clock: Clock;
  private readonly graceMs: number;
  private readonly onError: ((err: TethysError) => void) | undefined;
  private version: Promise<GpiodVersion> | undefined;
  private bannerRefused = false;

  constructor(options: LibgpiodOptions = {}) {
    this.tools = {
      gpiodetect: "gpiodetect",
      gpioget: "gpioget",
      gpioset: "gpioset",
      gpiomon: "gpiomon",
      ...options.tools,
    };
    this.spawner = options.spawn ?? nodeSpawner;
    this.clock = options.clock ?? new RealClock();
    this.graceMs = options.startupGraceMs ?? 150;
    this.onError = options.onError;
  }

  /** The major version of the installed tools (detected once). */
  detectVersion(): Promise<GpiodVersion> {
    this.version ??= (async () => {
      const r = await runToEnd(this.spawner, this.tools.gpioget, ["--version"]);
      if (r.spawnError !== undefined) {
        throw new TethysError(
          "GPIO_NO_TOOLS",
          `cannot run ${this.tools.gpioget}: ${r.spawnError.message}; install the libgpiod tools (apt-get install gpiod)`,
          {
            details: { tool: this.tools.gpioget },
          },
        );
      }
      const v = parseGpiodVersion(r.stdout + r.stderr);
      if (v === undefined) {
        throw new TethysError(
          "GPIO_NO_TOOLS",
          `unrecognised libgpiod version: ${(r.stdout + r.stderr).trim().slice(0, 120)}`,
        );
      }
      return v;
    })();
    this.version.catch(() => {
      this.version = undefined;
    });
    return this.version;
  }

  async open(spec: GpioLineSpec): Promise<GpioLine> {
    const bad = checkGpioSpec(spec);
    if (bad !== undefined) throw bad;
    const v = await this.detectVersion();
    const det = await runToEnd(this.spawner, this.tools.gpiodetect, []);
    if (det.spawnError !== undefined) {
      throw new TethysError(
        "GPIO_NO_TOOLS",
        `cannot run ${this.tools.gpiodetect}: ${det.spawnError.message}; install the libgpiod tools (apt-get install gpiod)`,
      );
    }
    const chip = findChip(parseGpiodetect(det.stdout), spec.chip);
    if (chip === undefined) throw gpioNotFound(spec, "no such chip in gpiodetect's list");
    if (spec.line >= chip.lines) throw gpioNotFound(spec, `line outside 0..${chip.lines - 1}`);
    const key = `${chip.name}:${spec.line}`;
    if (claimed.has(key)) throw gpioBusy(spec);
    claimed.add(key);
    const line = new LibgpiodLine(spec, chip.name, v, this, () => claimed.delete(key));
    try {
      await line.start();
      return line;
    } catch (err) {
      await line.close();
      throw err;
    }
  }

  /** @internal */
  ctx() {
    return {
      tools: this.tools,
      spawner: this.spawner,
      clock: this.clock,
      graceMs: this.graceMs,
      onError: this.onError,
      noBanner: () => this.bannerRefused,
      setNoBanner: () => {
        this.bannerRefused = true;
      },
    };
  }
}

class LibgpiodLine implements GpioLine {
  readonly spec: Readonly<GpioLineSpec>;
  private readonly chip: string;
  private readonly v: GpiodVersion;
  private readonly ctx: ReturnType<LibgpiodGpioProvider["ctx"]>;
  private readonly release: () => void;
  private readonly queue = new SerialQueue(
    16,
    () =>
      new TethysError(
        "GPIO_QUEUE_FULL",
        `more than 16 operations waiting on ${lineName(this.spec)} (each write restarts gpioset)`,
      ),
  );
  private readonly edges = new Emitter<0 | 1, [timeMs: number]>({ listenerErrors: "propagate" });
  private holder: ChildLike | undefined;
  private value: 0 | 1 = 0;
  private closed = false;
  private lost: TethysError | undefined;

  constructor(spec: GpioLineSpec, chip: string, v: GpiodVersion, provider: LibgpiodGpioProvider, release: () => void) {
    this.spec = Object.freeze({ ...spec });
    this.chip = chip;
    this.v = v;
    this.ctx = provider.ctx();
    this.release = release;
  }

  private get activeLow(): boolean {
    return this.spec.activeLow === true;
  }

  private get hasEdge(): boolean {
    return this.spec.direction === "in" && (this.spec.edge ?? "none") !== "none";
  }

  async start(): Promise<void> {
    if (this.spec.direction === "out") {
      await this.hold((this.spec.initial ?? 0) === 1 ? 1 : 0);
    } else if (this.hasEdge) {
      this.value = await this.getOnce();
      await this.monitor();
    }
  }

  async read(): Promise<0 | 1> {
    this.check();
    if (this.spec.direction === "out" || this.hasEdge) return this.value;
    return this.queue.run(() => this.getOnce());
  }

  async write(value: 0 | 1): Promise<void> {
    this.check();
    if (this.spec.direction !== "out") throw gpioDirection(this.spec);
    await this.queue.run(async () => {
      this.check();
      await this.stopHolder();
      await this.hold(value === 1 ? 1 : 0);
    });
  }

  watch(listener: (value: 0 | 1, timeMs: number) => void): () => void {
    if (!this.hasEdge) throw gpioNoEdge(this.spec);
    return this.edges.on(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.edges.clear();
    await this.stopHolder();
    this.release();
  }

  private check(): void {
    if (this.closed) throw gpioClosed(this.spec);
    if (this.lost !== undefined) throw this.lost;
  }

  private async getOnce(): Promise<0 | 1> {
    const r = await runToEnd(
      this.ctx.spawner,
      this.ctx.tools.gpioget,
      gpiogetArgs(this.v, this.chip, this.spec.line, this.activeLow),
    );
    const value = r.code === 0 ? parseGetOutput(r.stdout) : undefined;
    if (value === undefined) throw toolError(this.spec, "gpioget", r.stderr || r.spawnError?.message || r.stdout);
    return value;
  }

  private async hold(value: 0 | 1): Promise<void> {
    const args = gpiosetArgs(this.v, this.chip, this.spec.line, value, this.activeLow);
    await this.spawnWithBanner(this.ctx.tools.gpioset, args, "gpioset");
    this.value = value;
  }

  private async monitor(): Promise<void> {
    const args = gpiomonArgs(this.v, this.chip, this.spec.line, this.spec.edge ?? "both", this.activeLow);
    const child = await this.spawnWithBanner(this.ctx.tools.gpiomon, args, "gpiomon");
    let partial = "";
    child.stdout?.on("data", (chunk: string) => {
      partial += chunk;
      if (partial.length > 4096) partial = partial.slice(-1024);
      let nl = partial.indexOf("\n");
      while (nl >= 0) {
        const ev = parseMonitorLine(this.v, partial.slice(0, nl));
        partial = partial.slice(nl + 1);
        if (ev !== undefined && ev.offset === this.spec.line && !this.closed) {
          this.value = ev.value;
          const t = this.ctx.clock.now();
          this.edges.emit(ev.value, t);
        }
        nl = partial.indexOf("\n");
      }
    });
  }

  /**
   * v2 tools print a banner once running (`--banner`), which saves waiting out the grace time.
   * A build without the option refuses it: remember that and start without.
   */
  private async spawnWithBanner(tool: string, args: string[], name: string): Promise<ChildLike> {
    if (this.v === 1 || this.ctx.noBanner()) return this.spawnHolder(tool, args, name);
    try {
      return await this.spawnHolder(tool, ["--banner", ...args], name);
    } catch (err) {
      if (!(err instanceof TethysError) || !/unrecognized option|invalid option|unknown option/i.test(err.message))
        throw err;
      this.ctx.setNoBanner();
      return this.spawnHolder(tool, args, name);
    }
  }

  /** Starts a holder; resolves once it is running (output seen, or still alive after the grace). */
  private spawnHolder(tool: string, args: string[], name: string): Promise<ChildLike> {
    return new Promise((resolve, reject) => {
      let child: ChildLike;
      try {
        child = this.ctx.spawner(tool, args);
      } catch (err) {
        reject(new TethysError("GPIO_NO_TOOLS", `cannot run ${tool}: ${(err as Error).message}`));
        return;
      }
      child.stdout?.setEncoding("utf8");
      const stderr = collect(child.stderr);
      let settled = false;
      const ready = () => {
        if (settled) return;
        settled = true;
        this.holder = child;
        resolve(child);
      };
      child.once("error", (err) => {
        if (!settled) {
          settled = true;
          reject(new TethysError("GPIO_NO_TOOLS", `cannot run ${tool}: ${err.message}`));
        }
      });
      child.once("exit", () => {
        if (!settled) {
          settled = true;
          setImmediate(() => reject(toolError(this.spec, name, stderr())));
          return;
        }
        if (this.holder === child && !this.closed) {
          this.holder = undefined;
          this.lost = new TethysError(
            "GPIO_IO",
            `${name} holding ${lineName(this.spec)} exited: ${stderr().trim() || "no message"}`,
            {
              details: { chip: this.spec.chip, line: this.spec.line },
            },
          );
          this.ctx.onError?.(this.lost);
        }
      });
      child.stdout?.once("data", ready);
      // At the grace's end, one more turn of the event loop: an exit already on its way (queued
      // before the timer fired) is seen as a failed start, not taken for a running holder.
      void this.ctx.clock.sleep(this.ctx.graceMs).then(() =>
        setImmediate(() => {
          if (child.exitCode === null) ready();
        }),
      );
    });
  }

  private async stopHolder(): Promise<void> {
    const child = this.holder;
    this.holder = undefined;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  }
}
