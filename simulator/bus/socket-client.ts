/**
 * Agent-side client of the sim-bus socket protocol (wire.ts): `SimBusClient.connect()` gives an
 * `I2cBus` (`client.i2c`) and a `GpioProvider` (`client.gpio`) that talk to a simulator in another
 * process. Arguments are validated here as the ports require (I2C_BAD_ADDRESS, I2C_BAD_LENGTH,
 * GPIO_BAD_SPEC) before anything is sent; the server re-validates. Replies come back in request
 * order, so concurrent calls settle in call order. Requests in flight are bounded
 * (SIM_WIRE_BUSY beyond the limit). When the connection drops, pending and later calls reject
 * with I2C_IO / GPIO_IO; after `close()` they reject with I2C_CLOSED / GPIO_CLOSED.
 *
 * The hot path allocates only what the port hands back: a request is encoded into a reused slot
 * (`encodeI2cInto`), a reply is settled from the frame in the reader's buffer without decoding it
 * into an object, and a read's bytes are copied once into the array it resolves with.
 */
import { connect, type Socket } from "node:net";
import { checkI2cCall, closedError } from "../../hardware/common/i2c-validate.ts";
import type { GpioLine, GpioLineSpec, GpioProvider } from "../../hardware/ports/gpio.ts";
import type { I2cBus } from "../../hardware/ports/i2c-bus.ts";
import { Emitter } from "../../src/kernel/emitter.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import type { ListenTarget } from "./socket-server.ts";
import {
  bodyId,
  decodeReply,
  encodeGpioInto,
  encodeI2cInto,
  encodeRequest,
  HEADER,
  MAX_SMALL_FRAME,
  replyType,
  T,
  wireReader,
} from "./wire.ts";

type Area = "I2C" | "GPIO";

/**
 * One request in flight, reused: its frame is encoded into `buf`, whose bytes the socket may still
 * hold until the reply comes back (the server answers a request only after reading all of it), so
 * the slot returns to the free list only then. `views` caches a Buffer view per frame length.
 */
class Slot {
  readonly buf = Buffer.allocUnsafeSlow(MAX_SMALL_FRAME);
  readonly views: (Buffer | undefined)[] = [];
  resolve: (p: Uint8Array | undefined) => void = noop;
  reject: (e: Error) => void = noop;
  area: Area = "I2C";
  /** What an OK reply gives: the payload (of exactly `length` bytes when ≥ 0), or nothing. */
  result: "payload" | "none" = "none";
  length = -1;

  view(n: number): Buffer {
    let v = this.views[n];
    if (v === undefined) {
      v = this.buf.subarray(0, n);
      this.views[n] = v;
    }
    return v;
  }
}

const noop = (): void => {};

export class SimBusClient {
  readonly i2c: I2cBus;
  readonly gpio: GpioProvider;
  private readonly sock: Socket;
  private readonly pending = new Map<number, Slot>();
  private readonly free: Slot[] = [];
  private readonly watchers = new Map<number, (v: 0 | 1, t: number) => void>();
  private readonly maxInFlight: number;
  private nextId = 1;
  private state: "open" | "lost" | "closed" = "open";
  /** The slot the promise executor fills in (one executor for every call: no closure per request). */
  private filling: Slot | undefined;
  private readonly executor = (resolve: (p: Uint8Array | undefined) => void, reject: (e: Error) => void): void => {
    const s = this.filling as Slot;
    s.resolve = resolve;
    s.reject = reject;
  };

  private constructor(sock: Socket, maxInFlight: number) {
    this.sock = sock;
    this.maxInFlight = maxInFlight;
    const reader = wireReader();
    const onFrame = (b: Uint8Array): void => this.onReply(b);
    sock.on("data", (chunk: Uint8Array) => {
      try {
        const fault = reader.push(chunk, onFrame);
        if (fault !== undefined) {
          throw new TethysError(fault.code, `reply frame length ${fault.declared} outside 1..${fault.max}`);
        }
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
      this.failAll((area) =>
        area === "I2C" ? closedError() : new TethysError("GPIO_CLOSED", "the GPIO client is closed"),
      );
      this.sock.destroy();
    }
    return Promise.resolve();
  }

  /** @internal An I2C transaction (arguments already checked). */
  i2cCall(
    type: typeof T.I2C_WRITE | typeof T.I2C_READ | typeof T.I2C_WRITE_READ,
    addr: number,
    data: Uint8Array | undefined,
    length: number,
  ): Promise<Uint8Array | undefined> {
    const s = this.take("I2C");
    if (!(s instanceof Slot)) return s;
    const id = this.id();
    s.result = type === T.I2C_WRITE ? "none" : "payload";
    s.length = type === T.I2C_WRITE ? -1 : length;
    return this.send(s, id, encodeI2cInto(s.buf, type, id, addr, data, length));
  }

  /** @internal A request on an open GPIO line; GPIO_READ resolves with its one-byte payload. */
  gpioCall(
    type: typeof T.GPIO_READ | typeof T.GPIO_WRITE | typeof T.GPIO_CLOSE | typeof T.GPIO_WATCH | typeof T.GPIO_UNWATCH,
    handle: number,
    value = 0,
  ): Promise<Uint8Array | undefined> {
    const s = this.take("GPIO");
    if (!(s instanceof Slot)) return s;
    const id = this.id();
    s.result = type === T.GPIO_READ ? "payload" : "none";
    s.length = type === T.GPIO_READ ? 1 : -1;
    return this.send(s, id, encodeGpioInto(s.buf, type, id, handle, value));
  }

  /** A free slot for a request in `area`, or the rejection when none may be sent. */
  private take(area: Area): Slot | Promise<never> {
    if (this.state === "closed") {
      return Promise.reject(
        area === "I2C" ? closedError() : new TethysError("GPIO_CLOSED", "the GPIO client is closed"),
      );
    }
    if (this.state === "lost") return Promise.reject(new TethysError(`${area}_IO`, "connection to the simulator lost"));
    if (this.pending.size >= this.maxInFlight) {
      return Promise.reject(new TethysError("SIM_WIRE_BUSY", `more than ${this.maxInFlight} requests in flight`));
    }
    const s = this.free.pop() ?? new Slot();
    s.area = area;
    return s;
  }

  private id(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return id;
  }

  /** Registers `s` under `id` and writes its first `n` bytes (or `frame`, for a frame that does not fit a slot). */
  private send(s: Slot, id: number, n: number, frame?: Uint8Array): Promise<Uint8Array | undefined> {
    this.filling = s;
    const p = new Promise<Uint8Array | undefined>(this.executor);
    this.filling = undefined;
    this.pending.set(id, s);
    this.sock.write(frame ?? s.view(n));
    return p;
  }

  private onReply(b: Uint8Array): void {
    const type = replyType(b);
    if (type === T.OK) {
      const id = bodyId(b);
      const s = this.pending.get(id);
      if (s === undefined) return;
      this.pending.delete(id);
      const n = b.length - HEADER;
      const { resolve, reject } = s;
      this.release(s);
      if (s.result === "none") resolve(undefined);
      else if (s.length >= 0 && n !== s.length) {
        reject(new TethysError(`${s.area}_IO`, `simulator returned ${n} bytes, expected ${s.length}`));
      } else resolve(b.slice(HEADER));
      return;
    }
    const r = decodeReply(b);
    if (r.type === "edge") {
      this.watchers.get(r.handle)?.(r.value, r.timeMs);
      return;
    }
    if (r.type !== "error") return;
    const s = this.pending.get(r.id);
    if (s === undefined) return;
    this.pending.delete(r.id);
    const { reject } = s;
    this.release(s);
    reject(new TethysError(r.code, r.message));
  }

  /** Returns `s` to the free list (its reply has come: the socket no longer holds its bytes). */
  private release(s: Slot): void {
    s.resolve = noop;
    s.reject = noop;
    if (this.free.length < this.maxInFlight) this.free.push(s);
  }

  private lose(err: unknown): void {
    if (this.state !== "open") return;
    this.state = "lost";
    this.failAll((area) => new TethysError(`${area}_IO`, "connection to the simulator lost", { cause: err }));
    this.sock.destroy();
  }

  private failAll(make: (area: Area) => Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const s of all) s.reject(make(s.area));
  }

  private async openLine(spec: GpioLineSpec): Promise<GpioLine> {
    const bad =
      typeof spec?.chip !== "string" || !Number.isInteger(spec.line) || spec.line < 0 || spec.line > 0xffff
        ? new TethysError("GPIO_BAD_SPEC", "bad GPIO line spec: chip must be a string, line an integer 0..65535")
        : new TextEncoder().encode(spec.chip).length > 255
          ? new TethysError("GPIO_BAD_SPEC", "bad GPIO line spec: chip name too long")
          : undefined;
    if (bad !== undefined) throw bad;
    const s = this.take("GPIO");
    if (!(s instanceof Slot)) return s;
    const id = this.id();
    s.result = "payload";
    s.length = 4;
    const h = (await this.send(s, id, 0, encodeRequest({ type: "gpio.open", id, spec }))) as Uint8Array;
    const handle = new DataView(h.buffer, h.byteOffset, 4).getUint32(0);
    return new RemoteLine(this, handle, { ...spec }, this.watchers);
  }
}

/**
 * The I2C port over the client. The promise a call returns is the request's own (no async
 * wrapper): a write resolves with nothing, a read with a new Uint8Array of exactly `length` bytes.
 */
class SocketI2cBus implements I2cBus {
  private readonly c: SimBusClient;
  constructor(c: SimBusClient) {
    this.c = c;
  }
  write(addr: number, data: Uint8Array): Promise<void> {
    const bad = checkI2cCall(addr, { data });
    if (bad !== undefined) return Promise.reject(bad);
    return this.c.i2cCall(T.I2C_WRITE, addr, data, 0) as Promise<void>;
  }
  read(addr: number, length: number): Promise<Uint8Array> {
    const bad = checkI2cCall(addr, { readLength: length });
    if (bad !== undefined) return Promise.reject(bad);
    return this.c.i2cCall(T.I2C_READ, addr, undefined, length) as Promise<Uint8Array>;
  }
  writeRead(addr: number, data: Uint8Array, length: number): Promise<Uint8Array> {
    const bad = checkI2cCall(addr, { data, readLength: length });
    if (bad !== undefined) return Promise.reject(bad);
    return this.c.i2cCall(T.I2C_WRITE_READ, addr, data, length) as Promise<Uint8Array>;
  }
  close(): Promise<void> {
    return this.c.close();
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
    const p = await this.c.gpioCall(T.GPIO_READ, this.handle);
    return p?.[0] === 1 ? 1 : 0;
  }

  async write(value: 0 | 1): Promise<void> {
    if (this.closed) throw this.closedError();
    if (this.spec.direction !== "out") {
      throw new TethysError("GPIO_DIRECTION", `GPIO ${this.spec.chip}:${this.spec.line} is an input`);
    }
    await this.c.gpioCall(T.GPIO_WRITE, this.handle, value);
  }

  watch(listener: (value: 0 | 1, timeMs: number) => void): () => void {
    if (this.spec.direction !== "in" || this.spec.edge === undefined || this.spec.edge === "none") {
      throw new TethysError("GPIO_NO_EDGE", `GPIO ${this.spec.chip}:${this.spec.line} has no edge to watch`);
    }
    if (this.edges.size === 0) {
      this.watchers.set(this.handle, (v, t) => this.edges.emit(v, t));
      void this.c.gpioCall(T.GPIO_WATCH, this.handle).catch(() => {});
    }
    this.edges.on(listener);
    return () => {
      if (!this.edges.off(listener) || this.edges.size > 0) return;
      this.watchers.delete(this.handle);
      if (!this.closed) void this.c.gpioCall(T.GPIO_UNWATCH, this.handle).catch(() => {});
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.edges.clear();
    this.watchers.delete(this.handle);
    await this.c.gpioCall(T.GPIO_CLOSE, this.handle).catch(() => {});
  }
}
