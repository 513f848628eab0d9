import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../kernel/errors.ts";
import {
  decodeFrame,
  encodeFrame,
  FrameEncoder,
  HEADER_SIZE,
  MAX_FRAME_SIZE,
  MESSAGE_TYPES,
  type Message,
  maxFrameSize,
  messageFromJson,
  ProtocolCodes,
  ProtocolError,
  parseMessageLine,
} from "./index.ts";
import { arbitraryMessage, arbitraryMessageOf, arbitraryMeta } from "./testing/arbitraries.ts";

const PROTO_CODES = new Set<string>(Object.values(ProtocolCodes));

/** Runs fn and returns the error it throws, asserting it is a ProtocolError with a known code. */
function protocolErrorOf(fn: () => unknown): ProtocolError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
    assert.ok(PROTO_CODES.has(err.code), `unknown code ${err.code}`);
    return err;
  }
}

const telemetry: Message = {
  type: "telemetry",
  depth: 2.5,
  heading: 90,
  roll: -1.5,
  pitch: 2,
  attitude: { w: 1, x: 0, y: 0, z: 0 },
  verticalSpeed: -0.25,
  armed: true,
  mode: "depth-hold",
  failsafe: ["FS_PILOT_INPUT"],
  battery: { voltage: 15.75, current: 12.5, consumedWh: 3.5 },
  leak: false,
  waterTemperature: null,
  internalTemperature: 41,
  thrusters: [0.5, -0.5, 0, 0, 0.25, 0.25],
  link: { rttMs: 12, lossPercent: 0 },
  cpu: { loadPercent: 23, temperature: 55 },
};

describe("frame layout", () => {
  test("a pilot frame has the documented header and little-endian float payload", () => {
    const bytes = encodeFrame(
      { type: "pilot", surge: 1, sway: 0, heave: -1, yaw: 0.5, pitch: 0, roll: 0, gain: 0.5 },
      { seq: 0x01020304, timestamp: 0x0000_0102_0304_0506 },
    );
    const hex = Buffer.from(bytes).toString("hex");
    assert.equal(
      hex,
      // version 1, type 0x01, seq LE, timestamp u64 LE, payload length 28 LE
      "01" +
        "01" +
        "04030201" +
        "0605040302010000" +
        "1c00" +
        // surge 1.0, sway 0, heave -1.0, yaw 0.5, pitch 0, roll 0, gain 0.5 (float32 LE)
        "0000803f" +
        "00000000" +
        "000080bf" +
        "0000003f" +
        "00000000" +
        "00000000" +
        "0000003f",
    );
  });

  test("a mode frame encodes the enum index and optional presence bytes", () => {
    const bytes = encodeFrame({ type: "mode", mode: "depth-hold", targetDepth: 2 }, { seq: 1, timestamp: 0 });
    assert.equal(Buffer.from(bytes.subarray(HEADER_SIZE)).toString("hex"), "02" + "01" + "00000040" + "00");
  });

  test("a full telemetry frame decodes to what was sent and fits a DTLS record with room to spare", () => {
    const bytes = encodeFrame(telemetry, { seq: 7, timestamp: 1_767_225_600_000_000 });
    assert.ok(bytes.length < 400, `telemetry frame is ${bytes.length} bytes`);
    const back = decodeFrame(bytes);
    assert.deepEqual(back.message, telemetry);
    assert.equal(back.seq, 7);
    assert.equal(back.timestamp, 1_767_225_600_000_000);
  });

  test("the largest possible telemetry frame stays under 1200 bytes", () => {
    assert.ok(maxFrameSize("telemetry") <= MAX_FRAME_SIZE, `max telemetry frame ${maxFrameSize("telemetry")}`);
    for (const t of MESSAGE_TYPES) assert.ok(maxFrameSize(t) <= MAX_FRAME_SIZE, t);
  });
});

describe("round trips", () => {
  test("every message type round-trips through binary, bit-exact", () => {
    for (const type of MESSAGE_TYPES) {
      fc.assert(
        fc.property(arbitraryMessageOf(type), arbitraryMeta, (m, meta) => {
          const bytes = encodeFrame(m, meta);
          const back = decodeFrame(bytes);
          assert.deepEqual(back.message, m);
          assert.equal(back.seq, meta.seq);
          assert.equal(back.timestamp, meta.timestamp);
          assert.equal(back.size, bytes.length);
          assert.deepEqual(encodeFrame(back.message, back), bytes);
        }),
        { numRuns: 200 },
      );
    }
  });

  test("every message type round-trips through JSON text", () => {
    fc.assert(
      fc.property(arbitraryMessage, (m) => {
        assert.deepEqual(parseMessageLine(JSON.stringify(m)), m);
      }),
      { numRuns: 500 },
    );
  });

  test("the reused encoder gives the same bytes as the allocating one", () => {
    const enc = new FrameEncoder();
    fc.assert(
      fc.property(arbitraryMessage, arbitraryMeta, (m, meta) => {
        assert.deepEqual(enc.encode(m, meta).slice(), encodeFrame(m, meta));
      }),
      { numRuns: 200 },
    );
  });
});

describe("untrusted bytes", () => {
  test("random bytes never throw anything but a typed ProtocolError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => {
        protocolErrorOf(() => decodeFrame(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  test("random bytes behind a valid header never throw anything but ProtocolError", () => {
    const header = fc.record({ id: fc.integer({ min: 0, max: 255 }), body: fc.uint8Array({ maxLength: 600 }) });
    fc.assert(
      fc.property(header, ({ id, body }) => {
        const bytes = new Uint8Array(HEADER_SIZE + body.length);
        bytes[0] = 1;
        bytes[1] = id;
        new DataView(bytes.buffer).setUint16(14, body.length, true);
        bytes.set(body, HEADER_SIZE);
        const err = protocolErrorOf(() => decodeFrame(bytes));
        if (err === undefined) {
          // Whatever decoded must be a valid message that survives a re-encode unchanged.
          const d = decodeFrame(bytes);
          assert.deepEqual(decodeFrame(encodeFrame(d.message, d)).message, d.message);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test("mutated valid frames are rejected with a code or decode to a valid message", () => {
    const mutation = fc.record({ index: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(
        arbitraryMessage,
        arbitraryMeta,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (m, meta, muts) => {
          const bytes = encodeFrame(m, meta);
          for (const { index, value } of muts) bytes[index % bytes.length] = value;
          const err = protocolErrorOf(() => decodeFrame(bytes));
          if (err === undefined) {
            // Accepted: it must be a valid message whose re-encoding decodes to the same thing
            // (bytes may differ only where the wire has several spellings, e.g. NaN payloads).
            const d = decodeFrame(bytes);
            assert.deepEqual(decodeFrame(encodeFrame(d.message, d)).message, d.message);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("every truncation of a valid frame is rejected", () => {
    fc.assert(
      fc.property(arbitraryMessage, arbitraryMeta, (m, meta) => {
        const bytes = encodeFrame(m, meta);
        for (let n = 0; n < bytes.length; n++) {
          const err = protocolErrorOf(() => decodeFrame(bytes.subarray(0, n)));
          assert.ok(err, `truncation to ${n} of ${bytes.length} accepted`);
        }
      }),
      { numRuns: 100 },
    );
  });

  test("specific rejections carry their stable codes", () => {
    const good = encodeFrame({ type: "lights", level: 0.5 }, { seq: 1, timestamp: 5 });
    const cases: [string, Uint8Array, string][] = [
      ["short header", good.subarray(0, 10), ProtocolCodes.TRUNCATED],
      ["bad version", Uint8Array.from(good, (b, i) => (i === 0 ? 9 : b)), ProtocolCodes.VERSION],
      ["unknown type", Uint8Array.from(good, (b, i) => (i === 1 ? 0xee : b)), ProtocolCodes.UNKNOWN_TYPE],
      ["trailing byte", Uint8Array.of(...good, 0), ProtocolCodes.LENGTH],
      ["payload truncated", good.subarray(0, good.length - 1), ProtocolCodes.TRUNCATED],
    ];
    for (const [name, bytes, code] of cases) {
      assert.equal(protocolErrorOf(() => decodeFrame(bytes))?.code, code, name);
    }
    // lights 2.0 is out of range: the decoder range-checks, naming the field.
    const over = good.slice();
    new DataView(over.buffer).setFloat32(HEADER_SIZE, 2, true);
    const err = protocolErrorOf(() => decodeFrame(over));
    assert.equal(err?.code, ProtocolCodes.INVALID);
    assert.deepEqual(err?.details?.path, ["level"]);
  });

  test("decoding is total over a stream of frames with allowTrailing", () => {
    const a = encodeFrame({ type: "heartbeat" }, { seq: 1, timestamp: 1 });
    const b = encodeFrame({ type: "arm" }, { seq: 2, timestamp: 2 });
    const both = Uint8Array.of(...a, ...b);
    const first = decodeFrame(both, true);
    assert.equal(first.message.type, "heartbeat");
    assert.equal(decodeFrame(both.subarray(first.size)).message.type, "arm");
  });
});

describe("validation of the JSON form", () => {
  const bad: [string, unknown, string, (string | number)[] | undefined][] = [
    [
      "axis out of range",
      { type: "pilot", surge: 1.5, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 },
      ProtocolCodes.INVALID,
      ["surge"],
    ],
    ["missing field", { type: "lights" }, ProtocolCodes.INVALID, ["level"]],
    ["unknown field", { type: "arm", force: true }, ProtocolCodes.INVALID, ["force"]],
    ["unknown type", { type: "launch" }, ProtocolCodes.UNKNOWN_TYPE, undefined],
    ["bad enum", { type: "mode", mode: "auto" }, ProtocolCodes.INVALID, ["mode"]],
    ["NaN where not nullable", { type: "camera-tilt", tilt: Number.NaN }, ProtocolCodes.INVALID, ["tilt"]],
    [
      "nested",
      { ...telemetry, battery: { voltage: "12", current: 0, consumedWh: 0 } },
      ProtocolCodes.INVALID,
      ["battery", "voltage"],
    ],
    ["array element", { ...telemetry, thrusters: [0, 2] }, ProtocolCodes.INVALID, ["thrusters", 1]],
    ["too many thrusters", { ...telemetry, thrusters: new Array(13).fill(0) }, ProtocolCodes.INVALID, ["thrusters"]],
    [
      "long text",
      { type: "event", severity: "info", code: "X", text: "é".repeat(101) },
      ProtocolCodes.STRING,
      ["text"],
    ],
    ["not an object", [1, 2], ProtocolCodes.INVALID, undefined],
  ];
  for (const [name, value, code, path] of bad) {
    test(`rejects ${name}`, () => {
      const err = protocolErrorOf(() => messageFromJson(value));
      assert.equal(err?.code, code);
      if (path) {
        assert.deepEqual(err?.details?.path, path);
        assert.match(err?.message ?? "", new RegExp(`^at ${path.join("\\.")}:`));
      }
    });
  }

  test("the encoder refuses invalid messages with the same errors", () => {
    const err = protocolErrorOf(() => encodeFrame({ type: "lights", level: 3 } as Message, { seq: 0, timestamp: 0 }));
    assert.equal(err?.code, ProtocolCodes.INVALID);
    assert.ok(isTethysError(err));
    assert.equal(
      protocolErrorOf(() => encodeFrame({ type: "arm" }, { seq: -1, timestamp: 0 }))?.code,
      ProtocolCodes.INVALID,
    );
  });

  test("script lines may carry extra keys the caller names", () => {
    const m = parseMessageLine('{"at": 1.5, "type": "lights", "level": 0.25}', ["at"]);
    assert.deepEqual(m, { type: "lights", level: 0.25 });
    assert.equal(protocolErrorOf(() => parseMessageLine("{oops", ["at"]))?.code, ProtocolCodes.INVALID);
  });
});
