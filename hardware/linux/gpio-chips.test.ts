import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { makeFakeSysfs } from "../testing/fake-sysfs.ts";
import { globalGpioNumber, hasSysfsGpio, listSysfsChips } from "./gpio-chips.ts";

test("Bookworm-style tree: base 512 for the SoC chip, lines found by label or device name", async () => {
  const fs = await makeFakeSysfs([
    { base: 512, ngpio: 58, label: "pinctrl-bcm2711", devName: "gpiochip0" },
    { base: 570, ngpio: 8, label: "raspberrypi-exp-gpio", devName: "gpiochip1" },
  ]);
  try {
    const chips = await listSysfsChips(fs.root);
    assert.deepEqual(
      chips.map((c) => [c.sysfsName, c.base, c.ngpio, c.label, c.devName]),
      [
        ["gpiochip512", 512, 58, "pinctrl-bcm2711", "gpiochip0"],
        ["gpiochip570", 570, 8, "raspberrypi-exp-gpio", "gpiochip1"],
      ],
    );
    assert.equal(globalGpioNumber(chips, { chip: "pinctrl-bcm2711", line: 17 }), 529);
    assert.equal(globalGpioNumber(chips, { chip: "gpiochip0", line: 17 }), 529);
    assert.equal(globalGpioNumber(chips, { chip: "gpiochip1", line: 2 }), 572);
    assert.equal(globalGpioNumber(chips, { chip: "gpiochip512", line: 0 }), 512);
    const outside = globalGpioNumber(chips, { chip: "pinctrl-bcm2711", line: 58 });
    assert.ok(isTethysError(outside, "GPIO_NOT_FOUND"));
    const unknown = globalGpioNumber(chips, { chip: "pinctrl-bcm2835", line: 1 });
    assert.ok(isTethysError(unknown, "GPIO_NOT_FOUND") && /pinctrl-bcm2711/.test(unknown.message));
  } finally {
    await fs.cleanup();
  }
});

test("older kernels (base 0) and BeagleBone-style several chips", async () => {
  const fs = await makeFakeSysfs([
    { base: 0, ngpio: 32, label: "gpio-0-31" },
    { base: 32, ngpio: 32, label: "gpio-32-63" },
  ]);
  try {
    const chips = await listSysfsChips(fs.root);
    assert.equal(globalGpioNumber(chips, { chip: "gpio-32-63", line: 28 }), 60);
    assert.equal(chips[0]?.devName, undefined);
  } finally {
    await fs.cleanup();
  }
});

test("malformed chip files are skipped; no class dir means no sysfs GPIO", async () => {
  const fs = await makeFakeSysfs([{ base: 0, ngpio: 54, label: "pinctrl-bcm2835" }]);
  try {
    const bad = join(fs.root, "class", "gpio", "gpiochip99");
    await mkdir(bad);
    await writeFile(join(bad, "base"), "not a number\n");
    const chips = await listSysfsChips(fs.root);
    assert.deepEqual(
      chips.map((c) => c.label),
      ["pinctrl-bcm2835"],
    );
    assert.equal(await hasSysfsGpio(fs.root), true);
    assert.equal(await hasSysfsGpio(join(fs.root, "nowhere")), false);
    assert.deepEqual(await listSysfsChips(join(fs.root, "nowhere")), []);
  } finally {
    await fs.cleanup();
  }
});
