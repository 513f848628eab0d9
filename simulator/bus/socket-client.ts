/**
 * Agent-side client of the sim-bus socket protocol (wire.ts): `SimBusClient.connect()` gives an
 * `I2cBus` (`client.i2c`) and a `GpioProvider` (`client.gpio`) that talk to a simulator in another
 * process. Arguments are validated here as the ports require (I2C_BAD_ADDRESS, I2C_BAD_LENGTH,
 * GPIO_BAD_SPEC) before anything is sent; the server re-validates. Replies come back in request
 * order, so concurrent calls settle in call order. Requests in flight are bounded
 * (SIM_WIRE_BUSY beyond the limit). When the connection drops, pending and later calls reject
 * with I2C_IO / GPIO_IO; after `close()` they reject with I2C_CLOSED / GPIO_CLOSED.
 */
import { connect, type Socket } from "node:net";
import { checkI2cCall, closedError } from "../../hardware/common/i2c-validate.ts";
import type { GpioLine, GpioLineSpec, GpioProvider } from "../../hardware/ports/gpio.ts";
import type { I2cBus } from "../../hardware/ports/i2c-bus.ts";
import { Emitter } from "../../src/kernel/emitter.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import type { ListenTarget } from "./socket-server.ts";
import { decodeReply, encodeRequest, type Request, wireReader } from "./wire.ts";

type Pending = { resolve: (p: Uint8Array) => void; reject: (e: Error) => void; area: "I2C" | "GPIO" };
type Req = Request extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export class SimBusClient {
  readonly i2c: I2cBus;
  readonly gpio: GpioProvider;
  private readonly sock: Socket;
  private readonly pending = new Map<number, Pending>();
  private readonly watchers = new Map<number, (v: 0 | 1, t: number) => void>();
  private readonly maxInFlight: number;
  private nextId = 1;
  private state: "open" | "lost" | "closed" = "open";

  private constructor(sock: Socket, maxInFlight: number) {
    this.sock = sock;
    this.maxInFlight = maxInFlight;
    const reader = wireReader();
    sock.on("data", (chunk: Uint8Array) => {
      try {
        for (const b of reader.frames(chunk)) this.onReply(b);
      } catch (err) {
        this.lose(err);
      }
    });
    sock.on("error", (err) => this.lose(err));
    sock.on("close", () => this.lose(undefined));
    this.i2c = new SocketI2cBus(this);
    this.gpio = { open: (spec) => this.openLine(spec) };
  }

  static connect(target: ListenTarget, options: { maxInFlight?: number } = {}): Promise<SimBusClient> {
    return new Promise((resolve, reject) => {
      const sock = "path" in target ? connect(target.path) : connect(target.port, target.host ?? "127.0.0.1");
      const onError = (err: Error) =>
        reject(new TethysError("SIM_CONNECT", `cannot reach the simulator: ${err.message}`, { cause: err }));
      sock.once("error", onError);
      sock.once("connect", () => {
        sock.off("error", onError);
        sock.setNoDelay(true);
        resolve(new SimBusClient(sock, options.maxInFlight ?? 256));
      });
    });
  }

  close(): Promise<void> {
    if (this.state !== "closed") {
      this.state = "closed";
      this.failAll((p) =>
        p.area === "I2C" ? closedError() : new TethysError("GPIO_CLOSED", "the GPIO client is closed"),
      );
      this.sock.destroy();
    }
    return Promise.resolve();
  }

  /** @internal */
  call(req: Req, area: "I2C" | "GPIO"): Promise<Uint8Array> {
    if (this.state === "closed") {
      return Promise.reject(
        area === "I2C" ? closedError() : new TethysError("GPIO_CLOSED", "the GPIO client is closed"),
      );
    }
    if (this.state === "lost") return Promise.reject(new TethysError(`${area}_IO`, "connection to the simulator lost"));
    if (this.pending.size >= this.maxInFlight) {
      return Promise.reject(new TethysError("SIM_WIRE_BUSY", `more than ${this.maxInFlight} requests in flight`));
    }
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, area });
      this.sock.write(encodeRequest({ ...req, id } as Request));
    });
  }

  private onReply(b: Uint8Array): void {
    const r = decodeReply(b);
    if (r.type === "edge") {
      this.watchers.get(r.handle)?.(r.value, r.timeMs);
      return;
    }
    const p = this.pending.get(r.id);
    if (p === undefined) return;
    this.pending.delete(r.id);
    if (r.type === "ok") p.resolve(r.payload);
    else p.reject(new TethysError(r.code, r.message));
  }

  private lose(err: unknown): void {
    if (this.state !== "open") return;
    this.state = "lost";
    this.failAll((p) => new TethysError(`${p.area}_IO`, "connection to the simulator lost", { cause: err }));
    this.sock.destroy();
  }

  private failAll(make: (p: Pending) => Error): void {
    for (const p of this.pending.values()) p.reject(make(p));
    this.pending.clear();
  }

  private async openLine(spec: GpioLineSpec): Promise<GpioLine> {
    const bad =
      typeof spec?.chip !== "string" || !Number.isInteger(spec.line) || spec.line < 0 || spec.line > 0xffff
        ? new TethysError("GPIO_BAD_SPEC", "bad GPIO line spec: chip must be a string, line an integer 0..65535")
        : new TextEncoder().encode(spec.chip).length > 255
          ? new TethysError("GPIO_BAD_SPEC", "bad GPIO line spec: chip name too long")
          : undefined;
    if (bad !== undefined) throw bad;
    const h = await this.call({ type: "gpio.open", spec }, "GPIO");
    const handle = new DataView(h.buffer, h.byteOffset, 4).getUint32(0);
    return new RemoteLine(this, handle, { ...spec }, this.watchers);
  }
}

class SocketI2cBus implements I2cBus {
  private readonly c: SimBusClient;
  constructor(c: SimBusClient) {
    this.c = c;
  }
  async write(addr: number, data: Uint8Array): Promise<void> {
    const bad = checkI2cCall(addr, { data });
    if (bad !== undefined) throw bad;
    await this.c.call({ type: "i2c.write", addr, data }, "I2C");
  }
  async read(addr: number, length: number): Promise<Uint8Array> {
    const bad = checkI2cCall(addr, { readLength: length });
    if (bad !== undefined) throw bad;
    return this.exact(await this.c.call({ type: "i2c.read", addr, length }, "I2C"), length);
  }
  async writeRead(addr: number, data: Uint8Array, length: number): Promise<Uint8Array> {
    const bad = checkI2cCall(addr, { data, readLength: length });
    if (bad !== undefined) throw bad;
    return this.exact(await this.c.call({ type: "i2c.writeRead", addr, data, length }, "I2C"), length);
  }
  close(): Promise<void> {
    return this.c.close();
  }
  private exact(p: Uint8Array, n: number): Uint8Array {
    if (p.length !== n) throw new TethysError("I2C_IO", `simulator returned ${p.length} bytes, expected ${n}`);
    return p;
  }
}

class RemoteLine implements GpioLine {
  readonly spec: Readonly<GpioLineSpec>;
  private readonly c: SimBusClient;
  private readonly handle: number;
  private readonly watchers: Map<number, (v: 0 | 1, t: number) => void>;
  private readonly edges = new Emitter<0 | 1, [timeMs: number]>({ listenerErrors: "propagate" });
  private closed = false;

  constructor(
    c: SimBusClient,
    handle: number,
    spec: GpioLineSpec,
    watchers: Map<number, (v: 0 | 1, t: number) => void>,
  ) {
    this.c = c;
    this.handle = handle;
    this.spec = spec;
    this.watchers = watchers;
  }

  private closedError() {
    return new TethysError("GPIO_CLOSED", `GPIO ${this.spec.chip}:${this.spec.line} is closed`);
  }

  async read(): Promise<0 | 1> {
    if (this.closed) throw this.closedError();
    const p = await this.c.call({ type: "gpio.read", handle: this.handle }, "GPIO");
    return p[0] === 1 ? 1 : 0;
  }

  async write(value: 0 | 1): Promise<void> {
    if (this.closed) throw this.closedError();
    if (this.spec.direction !== "out") {
      throw new TethysError("GPIO_DIRECTION", `GPIO ${this.spec.chip}:${this.spec.line} is an input`);
    }
    await this.c.call({ type: "gpio.write", handle: this.handle, value }, "GPIO");
  }

  watch(listener: (value: 0 | 1, timeMs: number) => void): () => void {
    if (this.spec.direction !== "in" || this.spec.edge === undefined || this.spec.edge === "none") {
      throw new TethysError("GPIO_NO_EDGE", `GPIO ${this.spec.chip}:${this.spec.line} has no edge to watch`);
    }
    if (this.edges.size === 0) {
      this.watchers.set(this.handle, (v, t) => this.edges.emit(v, t));
      void this.c.call({ type: "gpio.watch", handle: this.handle }, "GPIO").catch(() => {});
    }
    this.edges.on(listener);
    return () => {
      if (!this.edges.off(listener) || this.edges.size > 0) return;
      this.watchers.delete(this.handle);
      if (!this.closed) void this.c.call({ type: "gpio.unwatch", handle: this.handle }, "GPIO").catch(() => {});
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.edges.clear();
    this.watchers.delete(this.handle);
    await this.c.call({ type: "gpio.close", handle: this.handle }, "GPIO").catch(() => {});
  }
}
