import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Message, MessageOf } from "../../src/protocol/index.ts";
import { HubClient } from "../support/hub-client.ts";
import { startSimRun } from "../support/sim-run.ts";

/**
 * Stopping `tethys sim` (what Ctrl-C does) while the pilot is flying: a deliberate shutdown of
 * the whole system. The agent goes neutral and tells the hub it is leaving before it closes its
 * command link, so no process logs a warning or an error on the way down; the world, stopped
 * last, records the thrusters neutral after the last thrust.
 */
const isTelemetry = (m: Message): m is MessageOf<"telemetry"> => m.type === "telemetry";
const forward = { type: "pilot", surge: 1, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 } as const;

interface Truth {
  type: string;
  t: number;
  thrusters?: { pwm_us: number; force_n: number }[];
}

test("stopping the system mid-flight: thrusters end neutral and no process logs a warning", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-sim-shutdown-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const record = join(dir, "truth.ndjson");
  const sim = await startSimRun({ dir, httpPort: 0, record });
  let flying = true;
  try {
    const pilot = await HubClient.connect(`${sim.ready.url.replace(/^http/, "ws")}ws`);
    await pilot.signIn(sim.ready.token, "pilot");
    // Full surge with every telemetry frame, as a cockpit sends input, until the system is stopped.
    const feed = (): void => {
      if (!flying) return;
      pilot.send(forward);
      void pilot.upcoming(isTelemetry).then(feed);
    };
    pilot.send({ type: "arm" });
    await pilot.next((m) => m.type === "event" && m.code === "ARMED");
    feed();
    // Flying for five telemetry frames (half a second at 10 Hz): the world's 10 Hz truth sees it.
    for (let frames = 0; frames < 5; frames++)
      await pilot.upcoming((m) => isTelemetry(m) && m.armed && m.thrusters.some((x) => x !== 0));
  } finally {
    await sim.stop(); // the pilot still connected and flying, as when Ctrl-C is pressed
    flying = false;
  }
  assert.equal(await sim.exited, 0);
  assert.deepEqual(
    sim.output.filter((l) => /^\[(world|topside|vehicle)\] (warn|error|fatal)\b/.test(l)),
    [],
    "no warning or error from any process",
  );
  assert.equal(sim.output.at(-1), "Stopped: thrusters neutral, links closed.");
  const truth = (await readFile(record, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Truth)
    .filter((r) => r.type === "truth");
  // Driven: a pulse away from neutral (1500 µs, within the PWM chip's resolution) or a force;
  // 0 µs is an output switched off.
  const driven = (r: Truth) =>
    (r.thrusters ?? []).some((x) => (x.pwm_us > 0 && Math.abs(x.pwm_us - 1500) > 25) || x.force_n !== 0);
  const thrusting = truth.filter(driven);
  assert.ok(thrusting.length > 0, "the vehicle was thrusting before the stop");
  const last = truth.at(-1);
  assert.ok(last !== undefined && !driven(last), `thrusters neutral at the end: ${JSON.stringify(last?.thrusters)}`);
  assert.ok((thrusting.at(-1)?.t ?? 0) < last.t, "neutral after the last thrust");
});
