import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import type { MessageOf } from "../../protocol/index.ts";
import { sampleTelemetry } from "../../protocol/testing/sample-telemetry.ts";
import { DiveRecorder } from "../recorder.ts";

/** The depth of the sample dive `seconds` after its start: 0.1 m per second, so any moment is recognisable. */
export const sampleDepth = (seconds: number): number => Math.round(seconds * 10) / 100;

/** The sample dive's leak alarm text (with a comma, which a CSV cell must quote). */
export const SAMPLE_LEAK_TEXT = "water inside, aft";

/** The sample dive's `vehicle-status` at `seconds`: the raw pressure follows the depth. */
export function sampleStatus(seconds: number): MessageOf<"vehicle-status"> {
  return {
    type: "vehicle-status",
    pressure: 1013 + sampleDepth(seconds) * 98.1,
    surfacePressure: 1013,
    water: "fresh",
    imuCalibration: { sys: 3, gyro: 3, accel: 3, mag: 3 },
    motorTest: { active: false, thruster: 0, remainingMs: 0 },
    thrusters: Array.from({ length: 6 }, () => ({ reversed: false, minUs: 0, neutralUs: 0, maxUs: 0 })),
  };
}

/**
 * Records a dive of `seconds` at `hz` into `dir` on a virtual clock and returns its file: armed
 * throughout, depth `sampleDepth(t)`, manual until half-way then depth-hold, a leak alarm raised at
 * a quarter and cleared at three quarters, the link lost for a second at a third, and a
 * `vehicle-status` frame at each whole second taking the next seq of the telemetry link, as the
 * vehicle's do (so the telemetry's own seqs skip one there). Test support.
 */
export async function recordSampleDive(dir: string, seconds = 60, hz = 10): Promise<string> {
  const clock = new VirtualClock();
  const recorder = new DiveRecorder({
    dir,
    clock,
    logger: pino({ level: "silent" }),
    preMarginMs: 0,
    postMarginMs: 0,
    sync: false,
    freeBytes: async () => 1e12,
  });
  const n = seconds * hz;
  let seq = 0;
  for (let i = 0; i < n; i++) {
    const t = i / hz;
    recorder.telemetry("rov-1", {
      message: sampleTelemetry({ armed: true, depth: sampleDepth(t), mode: t < seconds / 2 ? "manual" : "depth-hold" }),
      seq: seq++,
      timestamp: clock.wallMicros(),
    });
    if (i % hz === 0)
      recorder.telemetry("rov-1", { message: sampleStatus(t), seq: seq++, timestamp: clock.wallMicros() });
    if (i === Math.floor(n / 4) || i === Math.floor((3 * n) / 4))
      recorder.event("rov-1", {
        message: { type: "alarm", severity: "critical", code: "FS_LEAK", active: i < n / 2, text: SAMPLE_LEAK_TEXT },
        seq: n + i,
        timestamp: clock.wallMicros(),
      });
    if (i === Math.floor(n / 3)) recorder.link("rov-1", false, "CMD_TIMEOUT");
    if (i === Math.floor(n / 3) + hz) recorder.link("rov-1", true, "");
    clock.advance(1000 / hz);
  }
  await recorder.close();
  const [name] = readdirSync(join(dir, "rov-1"));
  return join(dir, "rov-1", name as string);
}
