import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { gpioContract } from "../../test/contract/gpio.contract.ts";
import { makeFakeOnoff } from "../testing/fake-onoff.ts";
import { makeFakeSysfs } from "../testing/fake-sysfs.ts";
import { OnoffGpioProvider } from "./gpio-onoff.ts";

let sys: Awaited<ReturnType<typeof makeFakeSysfs>>;
before(async () => {
  sys = await makeFakeSysfs([{ base: 512, ngpio: 58, label: "pinctrl-bcm2711", devName: "gpiochip0" }]);
});
after(async () => {
  await sys.cleanup();
});

gpioContract("OnoffGpioProvider over fake onoff and a Bookworm sysfs tree", async () => {
  const fake = makeFakeOnoff((n) => n >= 512 && n < 570);
  const provider = new OnoffGpioProvider({ sysRoot: sys.root, importer: async () => fake.module });
  return {
    provider,
    chip: "pinctrl-bcm2711",
    line: 17,
    missing: { chip: "gpiochip0", line: 58 },
    drive: async (v) => fake.drive(529, v),
    settle: () => new Promise((r) => setImmediate(r)),
  };
});

test("line 17 on a base-512 chip is sysfs GPIO 529, as Bookworm numbers it", async () => {
  const fake = makeFakeOnoff((n) => n >= 512 && n < 570);
  const provider = new OnoffGpioProvider({ sysRoot: sys.root, importer: async () => fake.module });
  const out = await provider.open({ chip: "gpiochip0", line: 17, direction: "out", initial: 1 });
  assert.equal(fake.level(529), 1);
  assert.equal(fake.exportedCount(529), 1);
  await out.close();
  assert.equal(fake.exportedCount(529), 0);
});

test("an active-low output with initial 1 starts physically low (no glitch high)", async () => {
  const fake = makeFakeOnoff(() => true);
  const provider = new OnoffGpioProvider({ sysRoot: sys.root, importer: async () => fake.module });
  const out = await provider.open({ chip: "pinctrl-bcm2711", line: 4, direction: "out", activeLow: true, initial: 1 });
  assert.equal(fake.level(516), 0);
  await out.close();
});

test("no sysfs GPIO, an onoff that will not load, and bad specs give clear codes", async () => {
  const gone = new OnoffGpioProvider({
    sysRoot: `${sys.root}/nowhere`,
    importer: async () => makeFakeOnoff(() => true).module,
  });
  await assert.rejects(gone.open({ chip: "gpiochip0", line: 1, direction: "in" }), (e) =>
    isTethysError(e, "GPIO_NO_SYSFS"),
  );
  const broken = new OnoffGpioProvider({
    sysRoot: sys.root,
    importer: async () => {
      throw new Error("Module did not self-register");
    },
  });
  await assert.rejects(
    broken.open({ chip: "gpiochip0", line: 1, direction: "in" }),
    (e) => isTethysError(e, "NATIVE_MODULE_LOAD") && /onoff/.test(e.message),
  );
  const ok = new OnoffGpioProvider({ sysRoot: sys.root, importer: async () => makeFakeOnoff(() => true).module });
  await assert.rejects(ok.open({ chip: "gpiochip0", line: -1, direction: "in" }), (e) =>
    isTethysError(e, "GPIO_BAD_SPEC"),
  );
  await assert.rejects(ok.open({ chip: "gpiochip0", line: 1, direction: "out", edge: "both" }), (e) =>
    isTethysError(e, "GPIO_BAD_SPEC"),
  );
  // The failed loads released their claims: the line opens now.
  const line = await ok.open({ chip: "gpiochip0", line: 1, direction: "in" });
  await line.close();
});
