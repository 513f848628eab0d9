/**
 * Sim-side server of the sim-bus socket protocol (wire.ts): serves an `I2cBus` and a
 * `GpioProvider` (normally the simulator's) to agent processes over a Unix domain socket or a
 * loopback TCP port. Every request is validated; a bad one gets an ERROR reply with a SIM_WIRE_*
 * code and is counted, and the connection carries on — except a bad length prefix, after which
 * the stream cannot be trusted: the server replies, then closes that connection. Requests on one
 * connection are executed and answered in order. A connection's GPIO lines are released when it
 * closes.
 */
import { createServer, type Server, type Socket } from "node:net";
import { checkI2cCall } from "../../hardware/common/i2c-validate.ts";
import type { GpioLine, GpioProvider } from "../../hardware/ports/gpio.ts";
import type { I2cBus } from "../../hardware/ports/i2c-bus.ts";
import { errorCode, TethysError } from "../../src/kernel/errors.ts";
import { bodyId, decodeRequest, encodeEdge, encodeError, encodeOk, type Request, wireReader } from "./wire.ts";

export interface SimBusServerOptions {
  i2c: I2cBus;
  gpio: GpioProvider;
  /** Max GPIO lines one connection may hold open (default 64). */
  maxLinesPerConnection?: number;
  /** Max requests queued on one connection; beyond it they are refused with SIM_WIRE_BUSY (default 256). */
  maxQueuedPerConnection?: number;
}

export interface SimBusServerStats {
  connections: number;
  requests: number;
  badRequests: number;
  errorsByCode: Record<string, number>;
}

/** The payload of an OK reply that carries none (never written to). */
const EMPTY = new Uint8Array(0);

export type ListenTarget = { path: string } | { host?: string; port: number };

/**
 * The sim-bus socket's address syntax, shared by the world (`--listen`) and the agent
 * (`vehicle.sim_bus`): `tcp:PORT`, `tcp:HOST:PORT` or `unix:PATH`. Returns undefined when the
 * text is not of that form; callers add their own rules (the world listens on loopback only,
 * the agent needs a real port).
 */
export function parseBusTarget(text: string): ListenTarget | undefined {
  if (text.startsWith("unix:")) return text.length > 5 ? { path: text.slice(5) } : undefined;
  const m = /^tcp:(?:([A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text);
  if (m === null || Number(m[2]) > 65535) return undefined;
  return m[1] === undefined ? { port: Number(m[2]) } : { host: m[1], port: Number(m[2]) };
}

export class SimBusServer {
  readonly stats: SimBusServerStats = { connections: 0, requests: 0, badRequests: 0, errorsByCode: {} };
  private readonly opts: SimBusServerOptions;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(opts: SimBusServerOptions) {
    this.opts = opts;
    // Replies are small request/response frames: Nagle would add ~9 ms to each (docs/latency.md).
    this.server = createServer({ noDelay: true }, (s) => this.accept(s));
  }

  /** Starts listening; resolves with the bound address (path, or host/port — use port 0). */
  listen(target: ListenTarget): Promise<ListenTarget> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      const done = () => {
        this.server.off("error", reject);
        const a = this.server.address();
        if (typeof a === "string") resolve({ path: a });
        else if (a !== null) resolve({ host: a.address, port: a.port });
        else reject(new TethysError("SIM_SERVER_LISTEN", "server has no address"));
      };
      if ("path" in target) this.server.listen(target.path, done);
      else this.server.listen(target.port, target.host ?? "127.0.0.1", done);
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private count(code: string): void {
    this.stats.errorsByCode[code] = (this.stats.errorsByCode[code] ?? 0) + 1;
  }

  private accept(sock: Socket): void {
    this.stats.connections++;
    this.sockets.add(sock);
    const reader = wireReader();
    const lines = new Map<number, { line: GpioLine; unwatch?: () => void }>();
    let nextHandle = 1;
    let chain = Promise.resolve();
    let queued = 0;
    const maxQueued = this.opts.maxQueuedPerConnection ?? 256;
    const send = (b: Uint8Array) => {
      if (!sock.destroyed) sock.write(b);
    };
    const fail = (id: number, err: unknown) => {
      const code = errorCode(err);
      this.count(code);
      send(encodeError(id, code, err instanceof Error ? err.message : String(err)));
    };

    const run = async (r: Request): Promise<Uint8Array> => {
      const { i2c, gpio } = this.opts;
      switch (r.type) {
        case "i2c.write":
          await i2c.write(r.addr, r.data);
          return EMPTY;
        case "i2c.read":
          return await i2c.read(r.addr, r.length);
        case "i2c.writeRead":
          return await i2c.writeRead(r.addr, r.data, r.length);
        case "gpio.open": {
          if (lines.size >= (this.opts.maxLinesPerConnection ?? 64)) {
            throw new TethysError("SIM_WIRE_LIMIT", "too many GPIO lines open on this connection");
          }
          const line = await gpio.open(r.spec);
          const h = nextHandle++;
          lines.set(h, { line });
          const out = new Uint8Array(4);
          new DataView(out.buffer).setUint32(0, h);
          return out;
        }
        default: {
          const entry = lines.get(r.handle);
          if (entry === undefined)
            throw new TethysError("SIM_WIRE_HANDLE", `no open GPIO line with handle ${r.handle}`);
          if (r.type === "gpio.read") return Uint8Array.of(await entry.line.read());
          if (r.type === "gpio.write") {
            if (r.value !== 0 && r.value !== 1) throw new TethysError("GPIO_BAD_VALUE", `GPIO value ${r.value}`);
            await entry.line.write(r.value);
          } else if (r.type === "gpio.close") {
            entry.unwatch?.();
            lines.delete(r.handle);
            await entry.line.close();
          } else if (r.type === "gpio.watch") {
            entry.unwatch?.();
            entry.unwatch = entry.line.watch((v, t) => send(encodeEdge(r.handle, v, t)));
          } else if (r.type === "gpio.unwatch") {
            entry.unwatch?.();
            entry.unwatch = undefined;
          }
          return EMPTY;
        }
      }
    };

    const handle = (b: Uint8Array) => {
      this.stats.requests++;
      let req: Request;
      try {
        req = decodeRequest(b);
        if (req.type === "i2c.write" || req.type === "i2c.writeRead" || req.type === "i2c.read") {
          const bad = checkI2cCall(req.addr, {
            data: "data" in req ? req.data : undefined,
            readLength: "length" in req ? req.length : undefined,
          });
          if (bad !== undefined) throw bad;
        }
      } catch (err) {
        this.stats.badRequests++;
        fail(bodyId(b), err);
        return;
      }
      if (queued >= maxQueued) {
        fail(req.id, new TethysError("SIM_WIRE_BUSY", `more than ${maxQueued} requests queued on this connection`));
        return;
      }
      queued++;
      chain = chain
        .then(() => run(req).then((payload) => send(encodeOk(req.id, payload))))
        .catch((err: unknown) => fail(req.id, err))
        .finally(() => {
          queued--;
        });
    };

    sock.on("data", (chunk: Uint8Array) => {
      let bodies: Uint8Array[];
      try {
        bodies = reader.frames(chunk);
      } catch (err) {
        this.stats.badRequests++;
        fail(0, err);
        sock.end();
        return;
      }
      for (const b of bodies) handle(b);
    });
    sock.on("error", () => {
      // A peer that vanishes mid-write: the close handler cleans up.
    });
    sock.on("close", () => {
      this.sockets.delete(sock);
      for (const { line, unwatch } of lines.values()) {
        unwatch?.();
        void line.close();
      }
      lines.clear();
    });
  }
}
