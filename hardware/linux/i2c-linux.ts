import { TethysError } from "../../src/kernel/errors.ts";
import { checkI2cCall, closedError, I2C_MAX_PENDING, type I2cCallShape, i2cQueueFull } from "../common/i2c-validate.ts";
import { SerialQueue } from "../common/serial-queue.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";
import { loadNative, type ModuleImporter } from "./native-loader.ts";

/** The part of i2c-bus's promise API this backend uses. */
export interface I2cBusModule {
  openPromisified(busNumber: number, options?: { forceAccess?: boolean }): Promise<PromisifiedBus>;
}

export interface PromisifiedBus {
  i2cRead(addr: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  i2cWrite(addr: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  readI2cBlock(
    addr: number,
    cmd: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesRead: number; buffer: Buffer }>;
  close(): Promise<void>;
}

export interface LinuxI2cOptions {
  importer?: ModuleImporter;
  forceAccess?: boolean;
}

const NACK_CODES = new Set(["ENXIO", "EREMOTEIO"]);
const NACK_ERRNOS = new Set([6, 121, -6, -121]);

/** Maps an i2c-bus (errno) error to the port's codes: ENXIO/EREMOTEIO → I2C_NACK, else I2C_IO. */
export function mapI2cError(err: unknown, addr: number, op: string): TethysError {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const errno = typeof e?.errno === "number" ? e.errno : undefined;
  const msg = typeof e?.message === "string" ? e.message : String(err);
  const hex = `0x${addr.toString(16).padStart(2, "0")}`;
  if ((code !== undefined && NACK_CODES.has(code)) || (errno !== undefined && NACK_ERRNOS.has(errno))) {
    return new TethysError("I2C_NACK", `no acknowledge from ${hex} on ${op}`, {
      cause: err,
      details: { addr, errno: code ?? errno },
    });
  }
  return new TethysError("I2C_IO", `I2C ${op} to ${hex} failed: ${msg}`, {
    cause: err,
    details: { addr, errno: code ?? errno },
  });
}

/** "/dev/i2c-1" → 1. */
export function busNumberFromPath(path: string): number | undefined {
  const m = /^\/dev\/i2c-(\d+)$/.exec(path);
  return m === null ? undefined : Number(m[1]);
}

/**
 * I2cBus on Linux i2c-dev through the i2c-bus native module (loaded lazily).
 * `writeRead` with a one-byte write uses the I2C block read (register byte, repeated START,
 * read); longer writes fall back to write, STOP, read in the same serialised slot.
 */
export class LinuxI2cBus implements I2cBus {
  readonly path: string;
  private readonly native: PromisifiedBus;
  private readonly queue = new SerialQueue(I2C_MAX_PENDING, i2cQueueFull);
  private closed = false;

  private constructor(path: string, native: PromisifiedBus) {
    this.path = path;
    this.native = native;
  }

  static async open(path: string, options: LinuxI2cOptions = {}): Promise<LinuxI2cBus> {
    const n = busNumberFromPath(path);
    if (n === undefined) {
      throw new TethysError("I2C_OPEN", `I2C bus path "${path}" is not of the form /dev/i2c-N`, { details: { path } });
    }
    const mod = await loadNative<I2cBusModule>("i2c-bus", options.importer);
    try {
      const native = await mod.openPromisified(n, { forceAccess: options.forceAccess ?? false });
      return new LinuxI2cBus(path, native);
    } catch (err) {
      const code = (err as { code?: unknown })?.code;
      const hint =
        code === "ENOENT"
          ? "enable I2C (raspi-config, or dtparam=i2c_arm=on) and check the bus number"
          : code === "EACCES"
            ? "add the user to the i2c group"
            : "check the device";
      throw new TethysError("I2C_OPEN", `cannot open ${path}: ${String((err as Error)?.message ?? err)}; ${hint}`, {
        cause: err,
        details: { path, code },
      });
    }
  }

  write(addr: number, data: Uint8Array): Promise<void> {
    return this.run(addr, { data }, "write", async () => {
      await this.native.i2cWrite(addr, data.length, toBuffer(data));
    });
  }

  read(addr: number, length: number): Promise<Uint8Array> {
    return this.run(addr, { readLength: length }, "read", async () => {
      const out = new Uint8Array(length);
      const r = await this.native.i2cRead(addr, length, toBuffer(out));
      return checkCount(r.bytesRead, length, addr, out);
    });
  }

  writeRead(addr: number, data: Uint8Array, length: number): Promise<Uint8Array> {
    return this.run(addr, { data, readLength: length }, "writeRead", async () => {
      const out = new Uint8Array(length);
      if (data.length === 1) {
        const r = await this.native.readI2cBlock(addr, data[0] as number, length, toBuffer(out));
        return checkCount(r.bytesRead, length, addr, out);
      }
      await this.native.i2cWrite(addr, data.length, toBuffer(data));
      const r = await this.native.i2cRead(addr, length, toBuffer(out));
      return checkCount(r.bytesRead, length, addr, out);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.run(() => this.native.close()).catch(() => undefined);
  }

  private run<T>(addr: number, call: I2cCallShape, op: string, job: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(closedError(this.path));
    const bad = checkI2cCall(addr, call);
    if (bad !== undefined) return Promise.reject(bad);
    return this.queue.run(async () => {
      if (this.closed) throw closedError(this.path);
      try {
        return await job();
      } catch (err) {
        if (err instanceof TethysError) throw err;
        throw mapI2cError(err, addr, op);
      }
    });
  }
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function checkCount(got: number, want: number, addr: number, out: Uint8Array): Uint8Array {
  if (got !== want) {
    throw new TethysError("I2C_IO", `short transfer from 0x${addr.toString(16)}: ${got} of ${want} bytes`, {
      details: { addr, got, want },
    });
  }
  return out;
}
