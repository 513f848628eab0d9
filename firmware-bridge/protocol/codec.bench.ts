/**
 * Codec throughput (not a test: prints figures). Run: node firmware-bridge/protocol/codec.bench.ts
 */

import { CobsFrameReader } from "./cobs-frame-reader.ts";
import { FrameEncoder } from "./codec.ts";
import type { Message } from "./messages.ts";

const N = 200_000;
const thrusters: Message = {
  name: "thrusters",
  seq: 0,
  fields: { count: 8, us: [1500, 1600, 1400, 1900, 1100, 1500, 1550, 1450] },
};
const enc = new FrameEncoder();
let t0 = performance.now();
let bytes = 0;
for (let i = 0; i < N; i++) bytes += enc.encode({ ...thrusters, seq: i & 0xff } as Message).length;
let dt = performance.now() - t0;
console.log(
  `encode thrusters: ${((N / dt) * 1000).toFixed(0)} frames/s (${((dt * 1000) / N).toFixed(2)} µs/frame, ${bytes / N} B)`,
);

const wire = enc.encode(thrusters).slice();
const stream = new Uint8Array(wire.length * 1000);
for (let i = 0; i < 1000; i++) stream.set(wire, i * wire.length);
let frames = 0;
const reader = new CobsFrameReader(() => {
  frames++;
});
t0 = performance.now();
for (let i = 0; i < N / 1000; i++) reader.feed(stream);
dt = performance.now() - t0;
console.log(
  `decode thrusters: ${((frames / dt) * 1000).toFixed(0)} frames/s (${((dt * 1000) / frames).toFixed(2)} µs/frame)`,
);
