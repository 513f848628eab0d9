/**
 * The sim bus over a local socket: an agent-side client (I2cBus + GpioProvider) against the
 * sim-side server, on a Unix domain socket and on loopback TCP port 0; bad frames get error
 * replies and never take the server down.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import type { SimI2cDevice } from "../devices/device.ts";
import { MS5837_ADDRESS, Ms5837Model } from "../devices/ms5837.ts";
import { SimGpioProvider } from "./sim-gpio.ts";
import { SimI2cBus } from "./sim-i2c-bus.ts";
import { SimBusClient } from "./socket-client.ts";
import { type ListenTarget, SimBusServer } from "./socket-server.ts";
import { bodyId, decodeReply, encodeOk, encodeRequest, type Reply, wireReader } from "./wire.ts";

async function start(target: ListenTarget = { port: 0 }) {
  const clock = new VirtualClock();
  const i2c = new SimI2cBus(clock).attach(MS5837_ADDRESS, new Ms5837Model());
  const gpio = new SimGpioProvider(clock);
  const server = new SimBusServer({ i2c, gpio });
  const addr = await server.listen(target);
  return { clock, i2c, gpio, server, addr };
}

const code = (c: string) => (e: unknown) => isTethysError(e, c) || assert.fail(`expected ${c}, got ${String(e)}`);

test("I2C over loopback TCP (port 0): PROM read, NACK and argument errors as TethysErrors", async () => {
  const { server, addr, i2c } = await start();
  assert.equal((addr as { host: string }).host, "127.0.0.1");
  const client = await SimBusClient.connect(addr);
  try {
    await client.i2c.write(MS5837_ADDRESS, Uint8Array.of(0x1e));
    const w1 = await client.i2c.writeRead(MS5837_ADDRESS, Uint8Array.of(0xa2), 2);
    assert.equal((w1[0] as number) * 256 + (w1[1] as number), 34982, "C1 of the 30BA example");
    await assert.rejects(client.i2c.read(0x10, 1), code("I2C_NACK"));
    await assert.rejects(client.i2c.read(0x80, 1), code("I2C_BAD_ADDRESS"));
    await assert.rejects(client.i2c.write(MS5837_ADDRESS, new Uint8Array(33)), code("I2C_BAD_LENGTH"));
    i2c.setMissing(MS5837_ADDRESS, true);
    await assert.rejects(client.i2c.read(MS5837_ADDRESS, 3), code("I2C_NACK"));
    const order: string[] = [];
    i2c.setMissing(MS5837_ADDRESS, false);
    await Promise.all([
      client.i2c.read(MS5837_ADDRESS, 1).then(() => order.push("a")),
      client.i2c.read(0x11, 1).catch(() => order.push("b!")),
      client.i2c.read(MS5837_ADDRESS, 2).then(() => order.push("c")),
    ]);
    assert.deepEqual(order, ["a", "b!", "c"]);
  } finally {
    await client.close();
    await server.close();
  }
  await assert.rejects(client.i2c.read(MS5837_ADDRESS, 1), code("I2C_CLOSED"));
});

test("GPIO over a Unix domain socket: open, write/read back, edges with sim time, release on disconnect", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tethys-sim-"));
  const { server, addr, gpio, clock } = await start({ path: join(dir, "bus.sock") });
  const client = await SimBusClient.connect(addr);
  try {
    const out = await client.gpio.open({ chip: "gpiochip0", line: 18, direction: "out", initial: 0 });
    await out.write(1);
    assert.equal(await out.read(), 1);
    assert.equal(gpio.level("gpiochip0", 18), 1);
    await assert.rejects(client.gpio.open({ chip: "gpiochip0", line: 18, direction: "out" }), code("GPIO_BUSY"));
    await assert.rejects(client.gpio.open({ chip: "gpiochip0", line: 99, direction: "in" }), code("GPIO_NOT_FOUND"));
    const leak = await client.gpio.open({ chip: "gpiochip0", line: 27, direction: "in", edge: "both" });
    await assert.rejects(leak.write(1), code("GPIO_DIRECTION"));
    const seen: [number, number][] = [];
    let gotTwo: () => void = () => {};
    const two = new Promise<void>((r) => {
      gotTwo = r;
    });
    leak.watch((v, t) => {
      seen.push([v, t]);
      if (seen.length === 2) gotTwo();
    });
    await leak.read(); // round trip: the watch request has been served
    clock.advance(5);
    gpio.drive("gpiochip0", 27, 1);
    clock.advance(5);
    gpio.drive("gpiochip0", 27, 0);
    await two;
    assert.deepEqual(seen, [
      [1, 5],
      [0, 10],
    ]);
  } finally {
    await client.close();
  }
  // The server released the lines of the closed connection.
  for (let i = 0; i < 50; i++) {
    try {
      const again = await gpio.open({ chip: "gpiochip0", line: 18, direction: "out" });
      await again.close();
      break;
    } catch {
      await new Promise((r) => setImmediate(r));
    }
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw socket that collects reply frames. */
async function raw(addr: ListenTarget) {
  const sock: Socket = "path" in addr ? connect(addr.path) : connect(addr.port, addr.host);
  await new Promise<void>((r) => sock.once("connect", () => r()));
  const reader = wireReader();
  const replies: Reply[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  sock.on("data", (c: Uint8Array) => {
    for (const b of reader.frames(c)) replies.push(decodeReply(b));
    for (const w of waiters.splice(0)) w();
  });
  sock.on("close", () => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  });
  const next = async (n: number) => {
    while (replies.length < n && !ended) await new Promise<void>((r) => waiters.push(r));
    return replies.slice(0, n);
  };
  return { sock, next, isEnded: () => ended, replies };
}

const frame = (...body: number[]) => Uint8Array.of(0, 0, 0, body.length, ...body);

test("bad frames get an error reply with a code; the connection and the server carry on", async () => {
  const { server, addr } = await start();
  const r = await raw(addr);
  r.sock.write(frame(2, 0x02, 0, 0, 0, 7, 0x76, 1)); // version 2
  r.sock.write(frame(1, 0x7f, 0, 0, 0, 8)); // unknown type
  r.sock.write(frame(1, 0x02, 0, 0, 0, 9, 0x76)); // truncated read request
  r.sock.write(frame(1, 0x02, 0, 0, 0, 10, 0x76, 0)); // length 0
  r.sock.write(frame(1, 0x02, 0, 0, 0, 11, 0x7f, 1)); // address 0x7f
  r.sock.write(frame(1, 0x13, 0, 0, 0, 12, 0, 0, 0, 9)); // unknown GPIO handle
  r.sock.write(encodeRequest({ type: "i2c.read", id: 13, addr: 0x76, length: 2 })); // a good one
  const got = await r.next(7);
  assert.deepEqual(
    got.map((x) => (x.type === "error" ? [x.id, x.code] : x.type === "ok" ? [x.id, "ok"] : ["edge"])),
    [
      [7, "SIM_WIRE_VERSION"],
      [8, "SIM_WIRE_TYPE"],
      [9, "SIM_WIRE_MALFORMED"],
      [10, "I2C_BAD_LENGTH"],
      [11, "I2C_BAD_ADDRESS"],
      [12, "SIM_WIRE_HANDLE"],
      [13, "ok"],
    ],
  );
  assert.equal(server.stats.badRequests, 5);
  // A length prefix beyond the limit cannot be resynchronised: error reply, then that connection closes.
  r.sock.write(Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 1, 2, 3));
  const after = await r.next(8);
  assert.equal(after[7]?.type === "error" && after[7].code, "SIM_WIRE_LENGTH");
  await r.next(9);
  assert.ok(r.isEnded());
  // The server still serves new connections.
  const client = await SimBusClient.connect(addr);
  assert.equal((await client.i2c.read(0x76, 1)).length, 1);
  await client.close();
  await server.close();
});

test("a connection flooding requests gets SIM_WIRE_BUSY beyond the server's queue bound", async () => {
  const clock = new VirtualClock();
  const i2c = new SimI2cBus(clock).attach(MS5837_ADDRESS, new Ms5837Model());
  const server = new SimBusServer({ i2c, gpio: new SimGpioProvider(clock), maxQueuedPerConnection: 4 });
  const addr = await server.listen({ port: 0 });
  const r = await raw(addr);
  const burst: Uint8Array[] = [];
  for (let id = 1; id <= 20; id++) burst.push(encodeRequest({ type: "i2c.read", id, addr: 0x76, length: 1 }));
  r.sock.write(Buffer.concat(burst)); // one chunk: all 20 arrive before any is served
  const got = await r.next(20);
  const busy = got.filter((x) => x.type === "error" && x.code === "SIM_WIRE_BUSY").length;
  const ok = got.filter((x) => x.type === "ok").length;
  assert.equal(ok + busy, 20);
  assert.ok(busy > 0 && ok >= 4, `ok ${ok}, busy ${busy}`);
  r.sock.destroy();
  await server.close();
});

test("random bytes never crash the server (property)", async () => {
  const { server, addr } = await start();
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
      const r = await raw(addr);
      r.sock.write(bytes);
      r.sock.end();
      await r.next(Number.MAX_SAFE_INTEGER); // until the server closes its side
    }),
    { numRuns: 60 },
  );
  const client = await SimBusClient.connect(addr);
  assert.equal((await client.i2c.read(0x76, 1)).length, 1, "still serving");
  await client.close();
  await server.close();
});

test("when the simulator goes away, pending and later calls reject with I2C_IO", async () => {
  const { server, addr } = await start();
  const client = await SimBusClient.connect(addr);
  await client.i2c.read(0x76, 1);
  await server.close();
  await assert.rejects(
    (async () => {
      for (;;) await client.i2c.read(0x76, 1);
    })(),
    code("I2C_IO"),
  );
  await client.close();
});

/** A device that records every write and answers each read with a running byte counter. */
class Recorder implements SimI2cDevice {
  readonly kind = "recorder";
  readonly writes: number[][] = [];
  private next = 0;
  acks(): boolean {
    return true;
  }
  write(data: Uint8Array): void {
    this.writes.push([...data]);
  }
  read(out: Uint8Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.next++ & 0xff;
  }
  setStuck(): void {}
}

test("many requests in flight at once: each reaches the device with its own bytes, each read gets its own (reused request buffers)", async () => {
  const clock = new VirtualClock();
  const dev = new Recorder();
  const server = new SimBusServer({ i2c: new SimI2cBus(clock).attach(0x20, dev), gpio: new SimGpioProvider(clock) });
  const client = await SimBusClient.connect(await server.listen({ port: 0 }));
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ write: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
            fc.record({
              read: fc.integer({ min: 1, max: 32 }),
              reg: fc.option(fc.uint8Array({ minLength: 1, maxLength: 4 })),
            }),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        async (ops) => {
          dev.writes.length = 0;
          let counter = (await client.i2c.read(0x20, 1))[0] as number;
          // All issued before any reply arrives; the caller's arrays are changed right after each call.
          const calls = ops.map((op) => {
            if ("write" in op) {
              const data = Uint8Array.from(op.write);
              const p = client.i2c.write(0x20, data);
              data.fill(0xee);
              return p;
            }
            return op.reg === null ? client.i2c.read(0x20, op.read) : client.i2c.writeRead(0x20, op.reg, op.read);
          });
          const results = await Promise.all(calls);
          const expectWrites: number[][] = [];
          ops.forEach((op, i) => {
            if ("write" in op) {
              assert.equal(results[i], undefined);
              expectWrites.push([...op.write]);
              return;
            }
            if (op.reg !== null) expectWrites.push([...op.reg]);
            const want = Array.from({ length: op.read }, () => ++counter & 0xff);
            assert.deepEqual([...(results[i] as Uint8Array)], want);
          });
          assert.deepEqual(dev.writes, expectWrites);
        },
      ),
      { numRuns: 40 },
    );
  } finally {
    await client.close();
    await server.close();
  }
});

test("a reply of the wrong length is I2C_IO; a reply of an unknown type drops the connection (I2C_IO)", async () => {
  // A peer that answers every request with a 1-byte OK, and the third with type 0x7f.
  let n = 0;
  const peer = createServer((s) => {
    const reader = wireReader();
    s.on("data", (c: Uint8Array) => {
      for (const b of reader.frames(c)) {
        const id = bodyId(b);
        if (++n === 3) s.write(Uint8Array.of(0, 0, 0, 6, 1, 0x7f, 0, 0, 0, id));
        else s.write(encodeOk(id, Uint8Array.of(7)));
      }
    });
  });
  await new Promise<void>((r) => peer.listen(0, "127.0.0.1", r));
  const { port } = peer.address() as { port: number };
  const client = await SimBusClient.connect({ host: "127.0.0.1", port });
  try {
    assert.deepEqual([...(await client.i2c.read(0x20, 1))], [7]);
    await assert.rejects(client.i2c.read(0x20, 2), code("I2C_IO"));
    await assert.rejects(client.i2c.read(0x20, 1), code("I2C_IO"));
    await assert.rejects(client.i2c.write(0x20, Uint8Array.of(1)), code("I2C_IO"));
  } finally {
    await client.close();
    await new Promise((r) => peer.close(r));
  }
});
