import assert from "node:assert/strict";
import { test } from "node:test";
import {
  classifyToolError,
  findChip,
  gpiogetArgs,
  gpiomonArgs,
  gpiosetArgs,
  parseGetOutput,
  parseGpiodetect,
  parseGpiodVersion,
  parseMonitorLine,
} from "./libgpiod-cli.ts";

test("version detection from --version output", () => {
  assert.equal(parseGpiodVersion("gpioget (libgpiod) v1.6.3\nCopyright (C) 2017-2018"), 1);
  assert.equal(parseGpiodVersion("gpioget (libgpiod) v2.1\n"), 2);
  assert.equal(parseGpiodVersion("gpioget v2.2.1"), 2);
  assert.equal(parseGpiodVersion("gpioget (libgpiod) v3.0"), undefined);
  assert.equal(parseGpiodVersion("command not found"), undefined);
});

test("gpiodetect parsing and chip lookup by name, path or label", () => {
  const chips = parseGpiodetect(
    "gpiochip0 [pinctrl-bcm2711] (58 lines)\ngpiochip1 [raspberrypi-exp-gpio] (8 lines)\ngarbage\n",
  );
  assert.deepEqual(chips, [
    { name: "gpiochip0", label: "pinctrl-bcm2711", lines: 58 },
    { name: "gpiochip1", label: "raspberrypi-exp-gpio", lines: 8 },
  ]);
  assert.equal(findChip(chips, "pinctrl-bcm2711")?.name, "gpiochip0");
  assert.equal(findChip(chips, "/dev/gpiochip1")?.name, "gpiochip1");
  assert.equal(findChip(chips, "gpiochip9"), undefined);
});

test("v1 and v2 argument syntax", () => {
  assert.deepEqual(gpiogetArgs(1, "gpiochip0", 17, true), ["-l", "gpiochip0", "17"]);
  assert.deepEqual(gpiogetArgs(2, "gpiochip0", 17, false), ["--numeric", "-c", "gpiochip0", "17"]);
  assert.deepEqual(gpiosetArgs(1, "gpiochip0", 4, 1, false), ["--mode=signal", "gpiochip0", "4=1"]);
  assert.deepEqual(gpiosetArgs(2, "gpiochip0", 4, 0, true), ["-c", "gpiochip0", "-l", "4=0"]);
  assert.deepEqual(gpiomonArgs(1, "gpiochip0", 27, "rising", false), ["-b", "-r", "-F", "%o %e", "gpiochip0", "27"]);
  assert.deepEqual(gpiomonArgs(1, "gpiochip0", 27, "both", true), ["-l", "-b", "-F", "%o %e", "gpiochip0", "27"]);
  assert.deepEqual(gpiomonArgs(2, "gpiochip0", 27, "falling", false), [
    "-c",
    "gpiochip0",
    "-e",
    "falling",
    "-F",
    "%o %E",
    "27",
  ]);
});

test("monitor lines: v1 %e is 1 rising / 0 falling, v2 %E names the edge", () => {
  assert.deepEqual(parseMonitorLine(1, "27 1"), { offset: 27, value: 1 });
  assert.deepEqual(parseMonitorLine(1, "27 0\n"), { offset: 27, value: 0 });
  assert.deepEqual(parseMonitorLine(2, "27 rising"), { offset: 27, value: 1 });
  assert.deepEqual(parseMonitorLine(2, "27 falling"), { offset: 27, value: 0 });
  assert.deepEqual(parseMonitorLine(2, "27 2"), { offset: 27, value: 0 });
  assert.equal(parseMonitorLine(1, "27 rising"), undefined);
  assert.equal(parseMonitorLine(2, "event: RISING EDGE offset: 27"), undefined);
});

test("gpioget output and tool errors", () => {
  assert.equal(parseGetOutput("1\n"), 1);
  assert.equal(parseGetOutput('"17"=inactive\n'), 0);
  assert.equal(parseGetOutput(""), undefined);
  assert.equal(classifyToolError("gpioset: error setting the GPIO line values: Device or resource busy"), "busy");
  assert.equal(classifyToolError("gpioget: unable to open chip 'gpiochip9': No such file or directory"), "not-found");
  assert.equal(classifyToolError("gpioget: unable to open chip: Permission denied"), "access");
  assert.equal(classifyToolError("segfault"), "other");
});
