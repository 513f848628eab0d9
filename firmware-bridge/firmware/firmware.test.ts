import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { requireFile, requireTool } from "../../test/support/tools.ts";
import { intelHexBytes } from "../intel-hex/intel-hex.ts";
import { FIRMWARE_VERSION, findFirmwareMarker, firmwareMarker, PROTOCOL_VERSION } from "../protocol/version.ts";
import { AVR_HEX, make } from "./build.ts";

const noCc = requireTool("make", "make") ?? requireTool("cc", "gcc");
const noAvr = requireTool("make", "make") ?? requireTool("avr-gcc", "gcc-avr avr-libc");
const noSimavr = noAvr ?? noCc ?? requireFile("/usr/include/simavr/sim_avr.h", "libsimavr-dev");

test("C unit tests of the firmware logic pass (make test)", { skip: noCc }, async () => {
  const r = await make("test");
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const m = /(\d+) checks, 0 failures/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) > 1000, "the fuzz loop ran");
});

test("host firmware builds (make host)", { skip: noCc }, async () => {
  const r = await make("host");
  assert.equal(r.code, 0, r.stderr);
});

test("AVR image builds, fits the ATmega2560 and embeds the version marker", { skip: noAvr }, async (t) => {
  const r = await make("avr");
  assert.equal(r.code, 0, r.stderr);
  // avr-size berkeley format: text data bss dec hex filename
  const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+[0-9a-f]+\s+\S+$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  const [text, data, bss] = [Number(m[1]), Number(m[2]), Number(m[3])];
  t.diagnostic(`avr-size: flash ${text + data} B of 262144, RAM ${data + bss} B of 8192`);
  assert.ok(text + data < 256 * 1024 - 8 * 1024, "leaves room for the bootloader");
  assert.ok(data + bss < 8 * 1024 - 1024, "leaves 1 KiB of RAM for the stack");
  const image = intelHexBytes(readFileSync(AVR_HEX, "utf8"));
  const marker = new TextEncoder().encode(`${firmwareMarker()}\0`);
  assert.ok(Buffer.from(image).indexOf(Buffer.from(marker)) >= 0, "marker present in the image");
  assert.deepEqual(findFirmwareMarker(image), { proto: PROTOCOL_VERSION, firmware: FIRMWARE_VERSION });
});

test("the AVR image runs in simavr: UART protocol, PWM registers, ADC, watchdog on the AVR tick", {
  skip: noSimavr,
}, async (t) => {
  const r = await make("avr-sim");
  if (r.code !== 0 && /simavr\/\S+\.h: No such file|cannot find -lsimavr/.test(r.stderr)) {
    t.skip("libsimavr-dev is not installed: AVR-in-simulator test skipped (apt-get install libsimavr-dev)");
    return;
  }
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\d+ checks, 0 failures/);
  const trip = /watchdog trip (\d+) ms/.exec(r.stdout);
  const loop = /main loop (\d+) Hz/.exec(r.stdout);
  t.diagnostic(`simavr: watchdog trip ${trip?.[1]} ms on the AVR tick, main loop ${loop?.[1]} Hz`);
});
