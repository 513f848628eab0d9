import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Stk500v2Bootloader } from "./bootloader.ts";
import { CMD, PARAM, STATUS } from "./constants.ts";
import { ATMEGA2560_APP_BYTES } from "./flash-memory.ts";

const ask = (bl: Stk500v2Bootloader, ...bytes: number[]): number[] => [...(bl.handle(Uint8Array.from(bytes)) ?? [])];

function loadWordAddress(bl: Stk500v2Bootloader, word: number, extended = true): number[] {
  const v = (extended ? 0x8000_0000 + word : word) >>> 0;
  return ask(bl, CMD.LOAD_ADDRESS, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

function programPage(bl: Stk500v2Bootloader, data: Uint8Array): number[] {
  const body = Uint8Array.from([
    CMD.PROGRAM_FLASH_ISP,
    data.length >> 8,
    data.length & 0xff,
    0xc1,
    0x0a,
    0x40,
    0x4c,
    0x20,
    0,
    0,
    ...data,
  ]);
  return [...(bl.handle(body) ?? [])];
}

test("signs on as AVRISP_2", () => {
  const bl = new Stk500v2Bootloader();
  assert.deepEqual(ask(bl, CMD.SIGN_ON), [CMD.SIGN_ON, STATUS.CMD_OK, 8, ...Buffer.from("AVRISP_2")]);
});

test("reads the ATmega2560 signature through READ_SIGNATURE_ISP and SPI_MULTI, or the configured one", () => {
  const bl = new Stk500v2Bootloader();
  const sig = [0, 1, 2].map((i) => ask(bl, CMD.READ_SIGNATURE_ISP, 4, 0x30, 0, i, 0)[2]);
  assert.deepEqual(sig, [0x1e, 0x98, 0x01]);
  assert.deepEqual(ask(bl, CMD.SPI_MULTI, 4, 4, 0, 0x30, 0, 1, 0), [
    CMD.SPI_MULTI,
    STATUS.CMD_OK,
    0,
    0x30,
    0,
    0x98,
    STATUS.CMD_OK,
  ]);
  const other = new Stk500v2Bootloader({ signature: [0x1e, 0x95, 0x0f] });
  assert.equal(ask(other, CMD.READ_SIGNATURE_ISP, 4, 0x30, 0, 1, 0)[2], 0x95);
});

test("reads fuses and lock bits", () => {
  const bl = new Stk500v2Bootloader({ fuses: { low: 0x11, high: 0x22, extended: 0x33, lock: 0x44 } });
  assert.equal(ask(bl, CMD.READ_FUSE_ISP, 4, 0x50, 0x00, 0, 0)[2], 0x11);
  assert.equal(ask(bl, CMD.READ_FUSE_ISP, 4, 0x58, 0x08, 0, 0)[2], 0x22);
  assert.equal(ask(bl, CMD.READ_FUSE_ISP, 4, 0x50, 0x08, 0, 0)[2], 0x33);
  assert.equal(ask(bl, CMD.READ_LOCK_ISP, 4, 0x58, 0x00, 0, 0)[2], 0x44);
});

test("parameters can be read and set; unknown ones fail", () => {
  const bl = new Stk500v2Bootloader();
  assert.deepEqual(ask(bl, CMD.GET_PARAMETER, PARAM.SW_MAJOR), [CMD.GET_PARAMETER, STATUS.CMD_OK, 2]);
  assert.deepEqual(ask(bl, CMD.SET_PARAMETER, PARAM.SCK_DURATION, 9), [CMD.SET_PARAMETER, STATUS.CMD_OK]);
  assert.deepEqual(ask(bl, CMD.GET_PARAMETER, PARAM.SCK_DURATION), [CMD.GET_PARAMETER, STATUS.CMD_OK, 9]);
  assert.deepEqual(ask(bl, CMD.GET_PARAMETER, 0x42), [CMD.GET_PARAMETER, STATUS.CMD_FAILED]);
});

test("programs and reads back pages above 64 Ki words through the extended address bit", () => {
  const bl = new Stk500v2Bootloader();
  assert.deepEqual(ask(bl, CMD.ENTER_PROGMODE_ISP, 0xc8, 0x64, 0x19, 0x20, 0, 0x53, 3, 0xac, 0x53, 0, 0), [
    CMD.ENTER_PROGMODE_ISP,
    STATUS.CMD_OK,
  ]);
  assert.ok(bl.inProgMode);
  const page = Uint8Array.from({ length: 256 }, (_, i) => (i * 13) & 0xff);
  const word = 0x1_0080; // byte 0x20100, beyond 64 Ki words
  assert.deepEqual(loadWordAddress(bl, word), [CMD.LOAD_ADDRESS, STATUS.CMD_OK]);
  assert.deepEqual(programPage(bl, page), [CMD.PROGRAM_FLASH_ISP, STATUS.CMD_OK]);
  assert.deepEqual(bl.flash.bytes.subarray(0x20100, 0x20200), page);
  loadWordAddress(bl, word);
  const read = ask(bl, CMD.READ_FLASH_ISP, 1, 0, 0x20);
  assert.deepEqual(read.slice(0, 2), [CMD.READ_FLASH_ISP, STATUS.CMD_OK]);
  assert.deepEqual(read.slice(2, 258), [...page]);
  assert.equal(read[258], STATUS.CMD_OK);
  ask(bl, CMD.LEAVE_PROGMODE_ISP, 1, 1);
  assert.ok(!bl.inProgMode);
});

test("the address auto-increments across consecutive pages", () => {
  const bl = new Stk500v2Bootloader();
  loadWordAddress(bl, 0, false);
  programPage(bl, new Uint8Array(256).fill(0x11));
  programPage(bl, new Uint8Array(256).fill(0x22));
  assert.equal(bl.flash.bytes[255], 0x11);
  assert.equal(bl.flash.bytes[256], 0x22);
  assert.equal(bl.flash.bytes[512], 0xff);
});

test("writes into the bootloader section are refused", () => {
  const bl = new Stk500v2Bootloader();
  loadWordAddress(bl, ATMEGA2560_APP_BYTES / 2);
  assert.deepEqual(programPage(bl, new Uint8Array(256)), [CMD.PROGRAM_FLASH_ISP, STATUS.CMD_FAILED]);
  assert.equal(bl.flash.refusedWrites, 1);
  assert.equal(bl.flash.bytes[ATMEGA2560_APP_BYTES], 0xff);
});

test("chip erase restores 0xFF in the application section", () => {
  const bl = new Stk500v2Bootloader();
  loadWordAddress(bl, 0);
  programPage(bl, new Uint8Array(256));
  ask(bl, CMD.CHIP_ERASE_ISP, 9, 0, 0xac, 0x80, 0, 0);
  assert.ok(bl.flash.bytes.subarray(0, 256).every((b) => b === 0xff));
});

test("corruptReadAt inverts exactly one byte on read-back, not in memory", () => {
  const bl = new Stk500v2Bootloader({ corruptReadAt: 5 });
  loadWordAddress(bl, 0);
  programPage(bl, new Uint8Array(256).fill(0x42));
  loadWordAddress(bl, 0);
  const read = ask(bl, CMD.READ_FLASH_ISP, 1, 0, 0x20).slice(2, 258);
  assert.deepEqual(
    read.flatMap((b, i) => (b === 0x42 ? [] : [i])),
    [5],
  );
  assert.equal(read[5], 0x42 ^ 0xff);
  assert.equal(bl.flash.bytes[5], 0x42);
});

test("a silent bootloader never answers", () => {
  const bl = new Stk500v2Bootloader({ silent: true });
  assert.equal(bl.handle(Uint8Array.of(CMD.SIGN_ON)), undefined);
});

test("malformed commands fail and unknown commands are reported unknown", () => {
  const bl = new Stk500v2Bootloader();
  assert.deepEqual(ask(bl, CMD.LOAD_ADDRESS, 0), [CMD.LOAD_ADDRESS, STATUS.CMD_FAILED]);
  assert.deepEqual(ask(bl, CMD.PROGRAM_FLASH_ISP, 0, 4, 0xc1, 0, 0, 0, 0, 0, 0, 1, 2), [
    CMD.PROGRAM_FLASH_ISP,
    STATUS.CMD_FAILED,
  ]);
  assert.deepEqual(ask(bl, CMD.READ_FLASH_ISP, 0xff, 0xff, 0x20), [CMD.READ_FLASH_ISP, STATUS.CMD_FAILED]);
  assert.deepEqual(ask(bl, CMD.SPI_MULTI, 4, 4), [CMD.SPI_MULTI, STATUS.CMD_FAILED]);
  assert.deepEqual(ask(bl, 0x77), [0x77, STATUS.CMD_UNKNOWN]);
  assert.equal(bl.stats.failed, 4);
  assert.equal(bl.stats.unknown, 1);
});

test("property: any body gets an answer that echoes the command, and never throws", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 275 }), (body) => {
      const bl = new Stk500v2Bootloader();
      const answer = bl.handle(body);
      assert.ok(answer !== undefined && answer.length >= 2 && answer.length <= 275);
      assert.equal(answer[0], body[0]);
    }),
  );
});
