/**
 * The command link's hot path without the network: length-prefixed pilot frames through the
 * the length-prefixed frame reader, decodeFrame and the CommandGate, as the vehicle runs them per received frame.
 * Prints frames per second and µs per frame (for a Raspberry Pi budget: pilot input at 50 Hz).
 *
 *   node bench/command-core.ts [frames=500000]
 */
import { commandFrameReader, writeLengthPrefixed } from "../src/links/command/framing.ts";
import { CommandGate } from "../src/links/command/gate.ts";
import { decodeFrame, FrameEncoder, type MessageOf } from "../src/protocol/index.ts";

const n = Number(process.argv[2] ?? 500_000);
const pilot: MessageOf<"pilot"> = {
  type: "pilot",
  surge: 0.5,
  sway: -0.25,
  heave: 0,
  yaw: 0.1,
  pitch: 0,
  roll: 0,
  gain: 0.8,
};
const enc = new FrameEncoder();
const now = 1_767_225_600_000_000;
// One stream of 1000 frames, fed in 4 KiB chunks as TCP would deliver them.
const frames = 1000;
const one = enc.encode(pilot, { seq: 0, timestamp: now }).length + 2;
const stream = new Uint8Array(one * frames);
for (let i = 0; i < frames; i++)
  writeLengthPrefixed(enc.encode(pilot, { seq: i, timestamp: now }), stream.subarray(i * one));

let accepted = 0;
const t0 = performance.now();
for (let done = 0; done < n; done += frames) {
  const reader = commandFrameReader(1200);
  const gate = new CommandGate({ maxAgeMs: 500, skewMs: 250 });
  const onFrame = (f: Uint8Array): void => {
    const d = decodeFrame(f, false);
    if (gate.check(d, now, true).ok) accepted++;
  };
  for (let pos = 0; pos < stream.length; pos += 4096) reader.push(stream.subarray(pos, pos + 4096), onFrame);
}
const ms = performance.now() - t0;
console.log(`command core (frame reader → decodeFrame → CommandGate), ${accepted} pilot frames of ${one} bytes`);
console.log(`  ${Math.round(accepted / (ms / 1000))} frames/s, ${((ms * 1000) / accepted).toFixed(2)} µs/frame`);
