import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { avrdudeOutcome } from "./avrdude-outcome.ts";
import { AvrdudeOutputParser, type FlashProgress } from "./avrdude-output.ts";

// stderr of avrdude 7.1 (-p atmega2560 -c wiring -D -U flash:w:...) against the emulator.
const TIOCM = 'avrdude OS error: ioctl("TIOCMGET"): Inappropriate ioctl for device\n';
const SUCCESS = `${TIOCM}${TIOCM}
avrdude: AVR device initialized and ready to accept instructions
avrdude: device signature = 0x1e9801 (probably m2560)
avrdude: reading input file t.hex for flash
         with 328 bytes in 2 sections within [0, 0x1001b]
         using 3 pages and 440 pad bytes
avrdude: writing 328 bytes flash ...

Writing | ################################################## | 100% 0.01s

avrdude: 328 bytes of flash written
avrdude: verifying flash memory against t.hex

Reading | ################################################## | 100% 0.00s

avrdude: 328 bytes of flash verified
${TIOCM}
avrdude done.  Thank you.

`;
const WRONG_SIGNATURE = `${TIOCM}${TIOCM}
avrdude: AVR device initialized and ready to accept instructions
avrdude: device signature = 0x1e950f (probably m328p)
avrdude error: expected signature for ATmega2560 is 1E 98 01
        double check chip or use -F to override this check
${TIOCM}
avrdude done.  Thank you.
`;
const VERIFY_MISMATCH = SUCCESS.replace(
  "avrdude: 328 bytes of flash verified\n",
  "avrdude warning: verification mismatch\n        device 0xdc != input 0x23 at addr 0x0005 (error)\navrdude error: verification mismatch\n",
);
const NO_ANSWER = `${TIOCM}${TIOCM}${"avrdude error: timeout\n".repeat(6)}avrdude error: timeout communicating with programmer
avrdude error: unable to open programmer wiring on port /dev/ttyACM0

avrdude done.  Thank you.
`;

function run(text: string, chunks?: number[]): { parser: AvrdudeOutputParser; progress: FlashProgress[] } {
  const progress: FlashProgress[] = [];
  const parser = new AvrdudeOutputParser((p) => progress.push(p));
  let at = 0;
  for (const c of chunks ?? []) {
    parser.push(text.slice(at, at + c));
    at += c;
  }
  parser.push(text.slice(at));
  parser.end();
  return { parser, progress };
}

test("a successful run yields write and verify progress from 0 to 100 and the byte counts", () => {
  const { parser, progress } = run(SUCCESS);
  const write = progress.filter((p) => p.phase === "write").map((p) => p.percent);
  const verify = progress.filter((p) => p.phase === "verify").map((p) => p.percent);
  assert.equal(write.length, 51);
  assert.deepEqual([write[0], write[1], write.at(-1)], [0, 2, 100]);
  assert.deepEqual([verify[0], verify.at(-1)], [0, 100]);
  assert.ok(progress.findIndex((p) => p.phase === "verify") > progress.findLastIndex((p) => p.phase === "write"));
  assert.deepEqual(avrdudeOutcome(parser.facts, { code: 0, signal: null }, "/dev/ttyACM0"), {
    bytesWritten: 328,
    bytesVerified: 328,
    signature: "1e9801",
  });
});

test("property: progress and facts do not depend on how stderr is chunked", () => {
  const whole = run(SUCCESS);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 40 }), (chunks) => {
      const split = run(SUCCESS, chunks);
      assert.deepEqual(split.progress, whole.progress);
      assert.deepEqual(split.parser.facts, whole.parser.facts);
    }),
  );
});

const outcomeCode = (text: string, code: number): string => {
  try {
    avrdudeOutcome(run(text).parser.facts, { code, signal: null }, "/dev/ttyACM0");
    return "ok";
  } catch (err) {
    assert.ok(isTethysError(err));
    return err.code;
  }
};

test("a wrong signature maps to FLASH_WRONG_SIGNATURE naming both signatures", () => {
  assert.equal(outcomeCode(WRONG_SIGNATURE, 1), "FLASH_WRONG_SIGNATURE");
  assert.throws(
    () => avrdudeOutcome(run(WRONG_SIGNATURE).parser.facts, { code: 1, signal: null }, "p"),
    /signature 1E 95 0F.*reports 1E 98 01/,
  );
});

test("a verify mismatch maps to FLASH_VERIFY_MISMATCH with the address and both bytes", () => {
  assert.equal(outcomeCode(VERIFY_MISMATCH, 1), "FLASH_VERIFY_MISMATCH");
  assert.throws(
    () => avrdudeOutcome(run(VERIFY_MISMATCH).parser.facts, { code: 1, signal: null }, "p"),
    (e: unknown) =>
      isTethysError(e) &&
      e.details?.address === 5 &&
      e.details?.device === 0xdc &&
      e.details?.image === 0x23 &&
      /0x0005/.test(e.message),
  );
  const older =
    "avrdude: verification error, first mismatch at byte 0x0123\n         0x0c != 0x0d\navrdude: verification error; content mismatch\n";
  assert.equal(run(older).parser.facts.verifyMismatch?.address, 0x123);
});

test("timeouts and stk500v1 'not in sync' map to FLASH_NO_ANSWER", () => {
  assert.equal(outcomeCode(NO_ANSWER, 1), "FLASH_NO_ANSWER");
  assert.equal(
    outcomeCode("avrdude: stk500_getsync() attempt 1 of 10: not in sync: resp=0x00\n", 1),
    "FLASH_NO_ANSWER",
  );
});

test("a port that cannot be opened is fatal at once and maps to FLASH_PORT_OPEN", () => {
  const { parser } = run("avrdude OS error: cannot open port /dev/ttyUSB9: No such file or directory\n");
  assert.ok(parser.fatal);
  assert.equal(
    outcomeCode("avrdude OS error: cannot open port /dev/ttyUSB9: No such file or directory\n", 1),
    "FLASH_PORT_OPEN",
  );
  assert.ok(!run(SUCCESS).parser.fatal);
});

test("other failures keep avrdude's last error line; success without a verify report is refused", () => {
  assert.throws(
    () => avrdudeOutcome(run("avrdude error: something odd\n").parser.facts, { code: 1, signal: null }, "p"),
    (e: unknown) => isTethysError(e, "FLASH_AVRDUDE_FAILED") && e.message.includes("something odd"),
  );
  assert.equal(outcomeCode(SUCCESS.replace("avrdude: 328 bytes of flash verified\n", ""), 0), "FLASH_NOT_VERIFIED");
});

test("property: arbitrary text never throws from the parser", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 500 }), (text) => {
      const { parser } = run(text);
      assert.ok(parser.facts.errors.length <= 20);
    }),
  );
});
