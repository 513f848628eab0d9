/** The sim-bus wire codec with literal frames. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import {
  decodeReply,
  decodeRequest,
  encodeEdge,
  encodeError,
  encodeGpioInto,
  encodeI2cInto,
  encodeOk,
  encodeRequest,
  MAX_SMALL_FRAME,
  type Request,
  replyType,
  T,
  wireReader,
} from "./wire.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));

test("literal frames: I2C write-read, GPIO open, OK, ERROR and an edge event", () => {
  assert.equal(
    hex(encodeRequest({ type: "i2c.writeRead", id: 0x01020304, addr: 0x76, data: Uint8Array.of(0xa2), length: 2 })),
    "0000000a" + "01" + "03" + "01020304" + "76" + "01" + "a2" + "02",
  );
  const open = encodeRequest({
    type: "gpio.open",
    id: 7,
    spec: { chip: "gpiochip0", line: 27, direction: "in", edge: "both", activeLow: true },
  });
  assert.equal(
    hex(open),
    `00000015 01 10 00000007 00 03 01 001b 09 ${Buffer.from("gpiochip0").toString("hex")}`.replace(/ /g, ""),
  );
  assert.equal(hex(encodeOk(9, Uint8Array.of(0xaa, 0xbb))), "00000008" + "0180" + "00000009" + "aabb");
  assert.equal(
    hex(encodeError(9, "I2C_NACK", "no")),
    `0000001301810000000908${Buffer.from("I2C_NACK").toString("hex")}00026e6f`,
  );
  assert.deepEqual(decodeReply(bytes("0190 00000000 00000003 01 4059000000000000")), {
    type: "edge",
    handle: 3,
    value: 1,
    timeMs: 100,
  });
  assert.deepEqual(decodeReply(encodeEdge(3, 1, 100).subarray(4)), { type: "edge", handle: 3, value: 1, timeMs: 100 });
});

const requests: fc.Arbitrary<Request> = fc.oneof(
  fc.record({
    type: fc.constant("i2c.write" as const),
    id: fc.nat(),
    addr: fc.integer({ min: 3, max: 0x77 }),
    data: fc.uint8Array({ minLength: 1, maxLength: 32 }),
  }),
  fc.record({
    type: fc.constant("i2c.read" as const),
    id: fc.nat(),
    addr: fc.integer({ min: 3, max: 0x77 }),
    length: fc.integer({ min: 1, max: 32 }),
  }),
  fc.record({
    type: fc.constant("i2c.writeRead" as const),
    id: fc.nat(),
    addr: fc.integer({ min: 3, max: 0x77 }),
    data: fc.uint8Array({ minLength: 1, maxLength: 32 }),
    length: fc.integer({ min: 1, max: 32 }),
  }),
  fc.record({
    type: fc.constantFrom("gpio.read" as const, "gpio.close" as const, "gpio.watch" as const, "gpio.unwatch" as const),
    id: fc.nat(),
    handle: fc.nat(),
  }),
  fc.record({
    type: fc.constant("gpio.write" as const),
    id: fc.nat(),
    handle: fc.nat(),
    value: fc.integer({ min: 0, max: 1 }),
  }),
);

test("every request round-trips through frames split at any byte boundary (property)", () => {
  fc.assert(
    fc.property(fc.array(requests, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 7 }), (reqs, chunk) => {
      const stream = Buffer.concat(reqs.map(encodeRequest));
      const reader = wireReader();
      const got: Request[] = [];
      for (let i = 0; i < stream.length; i += chunk) {
        for (const b of reader.frames(stream.subarray(i, i + chunk))) got.push(decodeRequest(b));
      }
      assert.deepEqual(
        got,
        reqs.map((r) => ({ ...r })),
      );
    }),
  );
});

test("decoding arbitrary bodies either succeeds or throws a SIM_WIRE_* error (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      try {
        decodeRequest(b);
      } catch (e) {
        assert.ok(isTethysError(e) && e.code.startsWith("SIM_WIRE_"), String(e));
      }
    }),
  );
  const r = wireReader();
  assert.throws(
    () => r.frames(bytes("00000000")),
    (e: unknown) => isTethysError(e, "SIM_WIRE_LENGTH"),
  );
  assert.throws(
    () => r.frames(bytes("00000401")),
    (e: unknown) => isTethysError(e, "SIM_WIRE_LENGTH"),
  );
});

test("encoding into a reused buffer gives encodeRequest's bytes, whatever the buffer held before (property)", () => {
  const I2C = { "i2c.write": T.I2C_WRITE, "i2c.read": T.I2C_READ, "i2c.writeRead": T.I2C_WRITE_READ } as const;
  const GPIO = {
    "gpio.read": T.GPIO_READ,
    "gpio.write": T.GPIO_WRITE,
    "gpio.close": T.GPIO_CLOSE,
    "gpio.watch": T.GPIO_WATCH,
    "gpio.unwatch": T.GPIO_UNWATCH,
  } as const;
  fc.assert(
    fc.property(
      fc.array(requests, { minLength: 1, maxLength: 6 }),
      fc.uint8Array({ minLength: MAX_SMALL_FRAME, maxLength: MAX_SMALL_FRAME }),
      (reqs, dirt) => {
        const buf = Uint8Array.from(dirt); // one buffer for every request, as a client slot is
        for (const r of reqs) {
          let n: number;
          if (r.type === "i2c.write") n = encodeI2cInto(buf, I2C[r.type], r.id, r.addr, r.data, 0);
          else if (r.type === "i2c.read") n = encodeI2cInto(buf, I2C[r.type], r.id, r.addr, undefined, r.length);
          else if (r.type === "i2c.writeRead") n = encodeI2cInto(buf, I2C[r.type], r.id, r.addr, r.data, r.length);
          else if (r.type === "gpio.write") n = encodeGpioInto(buf, GPIO[r.type], r.id, r.handle, r.value);
          else if (r.type === "gpio.open") continue;
          else n = encodeGpioInto(buf, GPIO[r.type], r.id, r.handle);
          assert.equal(hex(buf.subarray(0, n)), hex(encodeRequest(r)), r.type);
          assert.deepEqual(decodeRequest(buf.subarray(4, n)), { ...r });
        }
      },
    ),
  );
});

test("replyType checks the header as decodeReply does (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
      let type: number | Error;
      let decoded: unknown;
      try {
        type = replyType(b);
      } catch (e) {
        type = e as Error;
      }
      try {
        decoded = decodeReply(b);
      } catch (e) {
        decoded = e;
      }
      if (type instanceof Error) {
        // A header decodeReply would refuse with the same code.
        assert.ok(isTethysError(type) && isTethysError(decoded, type.code), String(type));
      } else {
        assert.equal(type, b[1]);
        if (!(decoded instanceof Error)) assert.ok(type === T.OK || type === T.ERROR || type === T.GPIO_EDGE);
      }
    }),
  );
});
