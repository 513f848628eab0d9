import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { makeFakeOnoff } from "../testing/fake-onoff.ts";
import { makeFakeSysfs } from "../testing/fake-sysfs.ts";
import { linuxBoardBackends, linuxGpioProvider, linuxI2cOpener, linuxSerialOpener } from "./backends.ts";
import { LibgpiodGpioProvider } from "./gpio-libgpiod.ts";
import { OnoffGpioProvider } from "./gpio-onoff.ts";
import { SerialportLink } from "./serialport-link.ts";

test("auto picks onoff when sysfs GPIO exists and onoff loads, libgpiod otherwise", async () => {
  const fs = await makeFakeSysfs([{ base: 512, ngpio: 58, label: "pinctrl-bcm2711" }]);
  try {
    const fake = makeFakeOnoff(() => true);
    assert.ok(
      (await linuxGpioProvider({ sysRoot: fs.root, importer: async () => fake.module })) instanceof OnoffGpioProvider,
    );
    const broken = async () => {
      throw new Error("NODE_MODULE_VERSION mismatch");
    };
    assert.ok((await linuxGpioProvider({ sysRoot: fs.root, importer: broken })) instanceof LibgpiodGpioProvider);
    assert.ok(
      (await linuxGpioProvider({ sysRoot: `${fs.root}/none`, importer: async () => fake.module })) instanceof
        LibgpiodGpioProvider,
    );
    assert.ok((await linuxGpioProvider({ kind: "libgpiod", sysRoot: fs.root })) instanceof LibgpiodGpioProvider);
  } finally {
    await fs.cleanup();
  }
});

test("the I2C opener opens each bus path once and retries after a failure", async () => {
  let opens = 0;
  const bus = {
    async i2cRead() {
      return { bytesRead: 0, buffer: Buffer.alloc(0) };
    },
    async i2cWrite() {
      return { bytesWritten: 0, buffer: Buffer.alloc(0) };
    },
    async readI2cBlock() {
      return { bytesRead: 0, buffer: Buffer.alloc(0) };
    },
    async close() {},
  };
  let fail = true;
  const open = linuxI2cOpener({
    importer: async () => ({
      async openPromisified() {
        opens++;
        if (fail) throw Object.assign(new Error("EACCES"), { code: "EACCES" });
        return bus;
      },
    }),
  });
  await assert.rejects(open("/dev/i2c-1"));
  fail = false;
  const a = await open("/dev/i2c-1");
  const b = await open("/dev/i2c-1");
  assert.equal(a, b);
  assert.equal(opens, 2);
});

test("the Linux backends open serial lines through serialport, unopened until the caller opens them", async () => {
  const backends = await linuxBoardBackends(new VirtualClock(), { gpio: { kind: "libgpiod" } });
  assert.equal(typeof backends.serial, "function");
  const link = backends.serial?.({ path: "/dev/ttyTETHYS-NONE", baudRate: 115200 });
  assert.ok(link instanceof SerialportLink);
  assert.equal(link.path, "/dev/ttyTETHYS-NONE");
  assert.equal(link.isOpen, false);
  const other = linuxSerialOpener()({ path: "/dev/ttyS1", baudRate: 9600 });
  assert.ok(other instanceof SerialportLink && other !== link);
});
