import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { i2cBusContract } from "../../test/contract/i2c-bus.contract.ts";
import { busNumberFromPath, type I2cBusModule, LinuxI2cBus, mapI2cError, type PromisifiedBus } from "./i2c-linux.ts";

/** Stands in for the i2c-bus native module: errno-style errors as the kernel gives them. */
function fakeModule(present: Set<number>, calls: string[] = []): I2cBusModule {
  const errno = (code: string, n: number) => Object.assign(new Error(`${code}, remote I/O error`), { code, errno: n });
  const check = (addr: number) => {
    if (!present.has(addr)) throw errno("EREMOTEIO", 121);
  };
  const bus: PromisifiedBus = {
    async i2cRead(addr, length, buffer) {
      calls.push(`r${addr}`);
      check(addr);
      buffer.fill(0xab, 0, length);
      return { bytesRead: length, buffer };
    },
    async i2cWrite(addr, length, buffer) {
      calls.push(`w${addr}:${[...buffer.subarray(0, length)].join(",")}`);
      check(addr);
      return { bytesWritten: length, buffer };
    },
    async readI2cBlock(addr, cmd, length, buffer) {
      calls.push(`b${addr}:${cmd}`);
      check(addr);
      buffer.fill(cmd, 0, length);
      return { bytesRead: length, buffer };
    },
    async close() {},
  };
  return {
    async openPromisified(n) {
      if (n !== 1) throw Object.assign(new Error("ENOENT, no such file"), { code: "ENOENT" });
      return bus;
    },
  };
}

i2cBusContract("LinuxI2cBus over a fake i2c-bus module", async () => {
  const mod = fakeModule(new Set([0x76]));
  const bus = await LinuxI2cBus.open("/dev/i2c-1", { importer: async () => mod });
  return { bus, present: 0x76, absent: 0x77 };
});

const realPath = process.env.TETHYS_TEST_I2C;
i2cBusContract(
  `LinuxI2cBus on ${realPath ?? "(TETHYS_TEST_I2C unset)"}`,
  async () => {
    const bus = await LinuxI2cBus.open(realPath as string);
    return {
      bus,
      present: Number(process.env.TETHYS_TEST_I2C_PRESENT ?? 0x76),
      absent: Number(process.env.TETHYS_TEST_I2C_ABSENT ?? 0x03),
    };
  },
  { skip: realPath === undefined ? "set TETHYS_TEST_I2C=/dev/i2c-N (and TETHYS_TEST_I2C_PRESENT=0x..)" : false },
);

test("errno mapping: ENXIO and EREMOTEIO are NACK, anything else I/O", () => {
  assert.equal(mapI2cError({ code: "ENXIO" }, 0x40, "read").code, "I2C_NACK");
  assert.equal(mapI2cError({ code: "EREMOTEIO" }, 0x40, "read").code, "I2C_NACK");
  assert.equal(mapI2cError({ errno: 121 }, 0x40, "read").code, "I2C_NACK");
  assert.equal(mapI2cError({ code: "ETIMEDOUT" }, 0x40, "read").code, "I2C_IO");
  assert.equal(mapI2cError(new Error("weird"), 0x40, "read").code, "I2C_IO");
  assert.equal(mapI2cError("string", 0x40, "read").code, "I2C_IO");
});

test("bus path parsing", () => {
  assert.equal(busNumberFromPath("/dev/i2c-1"), 1);
  assert.equal(busNumberFromPath("/dev/i2c-12"), 12);
  assert.equal(busNumberFromPath("/dev/ttyS0"), undefined);
  assert.equal(busNumberFromPath("/dev/i2c-1/../x"), undefined);
});

test("writeRead with one register byte is a block read (repeated START); longer writes are write + read", async () => {
  const calls: string[] = [];
  const bus = await LinuxI2cBus.open("/dev/i2c-1", { importer: async () => fakeModule(new Set([0x28]), calls) });
  const a = await bus.writeRead(0x28, Uint8Array.of(0x1a), 6);
  assert.deepEqual([...a], [0x1a, 0x1a, 0x1a, 0x1a, 0x1a, 0x1a]);
  await bus.writeRead(0x28, Uint8Array.of(1, 2), 2);
  assert.deepEqual(calls, ["b40:26", "w40:1,2", "r40"]);
  await bus.close();
});

test("open failures: bad path, missing bus, and a native module that will not load", async () => {
  const mod = fakeModule(new Set());
  await assert.rejects(LinuxI2cBus.open("i2c-1", { importer: async () => mod }), (e) => isTethysError(e, "I2C_OPEN"));
  await assert.rejects(
    LinuxI2cBus.open("/dev/i2c-7", { importer: async () => mod }),
    (e) => isTethysError(e, "I2C_OPEN") && /enable I2C/.test(e.message),
  );
  const abi = async () => {
    throw new Error("The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115.");
  };
  await assert.rejects(LinuxI2cBus.open("/dev/i2c-1", { importer: abi }), (e) => {
    assert.ok(isTethysError(e, "NATIVE_MODULE_LOAD"));
    assert.match(e.message, /i2c-bus/);
    assert.match(e.message, /npm rebuild i2c-bus/);
    return true;
  });
});

test("transactions never overlap in the native module, whatever the callers do", async () => {
  let active = 0;
  let maxActive = 0;
  const slow = async <T>(v: T) => {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setImmediate(r));
    active--;
    return v;
  };
  const mod: I2cBusModule = {
    async openPromisified() {
      return {
        i2cRead: (_a, length, buffer) => slow({ bytesRead: length, buffer }),
        i2cWrite: (_a, length, buffer) => slow({ bytesWritten: length, buffer }),
        readI2cBlock: (_a, _c, length, buffer) => slow({ bytesRead: length, buffer }),
        close: async () => {},
      };
    },
  };
  const bus = await LinuxI2cBus.open("/dev/i2c-1", { importer: async () => mod });
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      i % 3 === 0
        ? bus.read(0x40, 2)
        : i % 3 === 1
          ? bus.write(0x40, Uint8Array.of(i))
          : bus.writeRead(0x40, Uint8Array.of(1, 2), 4),
    ),
  );
  assert.equal(maxActive, 1);
  await bus.close();
});
