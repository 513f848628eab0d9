/** The headless agent is the production assembly on the world: what that brings, and what it refuses. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../src/kernel/errors.ts";
import { runHeadless } from "./headless.ts";
import { MemorySink } from "./recorder.ts";
import { parseScript } from "./script.ts";

test("lights: a lights command reaches the world's lights through the board's lights output", async () => {
  const sink = new MemorySink();
  await runHeadless({
    durationS: 2,
    script: parseScript(['{"at":0.5,"type":"lights","level":1}', '{"at":1.2,"type":"lights","level":0.5}'].join("\n")),
    sink,
    agent: true,
    world: { noise: false, pose: { d: 2 } },
  });
  const script = sink.records.filter((r) => r.type === "script");
  assert.deepEqual(
    script.map((r) => r.error ?? r.event),
    ["lights", "lights"],
  );
  const truth = sink.records.filter((r) => r.type === "truth") as unknown as { t: number; lights: number }[];
  const at = (t: number) => truth.find((r) => r.t >= t)?.lights;
  assert.equal(at(0.4), 0, "off at start");
  // The PCA9685's 12-bit counts make the 1900 µs servo pulse ≈ 1899 µs.
  assert.ok((at(1) ?? 0) > 0.99, `full on: ${at(1)}`);
  assert.ok(Math.abs((at(1.9) ?? 0) - 0.5) < 0.01, `half: ${at(1.9)}`);
});

test("a serial-MCU board fails the run at once with the assembly's VEHICLE_BOARD (no in-process MCU)", async () => {
  const sink = new MemorySink();
  await assert.rejects(
    runHeadless({ durationS: 5, sink, agent: true, agentOptions: { board: "rpi-serial-mcu" } }),
    (e: unknown) => isTethysError(e, "VEHICLE_BOARD") && /rpi-serial-mcu/.test(e.message),
  );
  assert.deepEqual(sink.records, [], "nothing was simulated");
});
