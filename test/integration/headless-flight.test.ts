import assert from "node:assert/strict";
import { test } from "node:test";
import { runHeadless } from "../../simulator/headless.ts";
import { MemorySink } from "../../simulator/recorder.ts";
import { parseScript } from "../../simulator/script.ts";

/**
 * Scripted headless flights: the real agent (drivers, supervisor, mixer, PCA9685 output) on the
 * simulated world, on a virtual clock. Assertions read the recorded `truth` (what the physics
 * did) and `telemetry` (what the agent reported).
 */
interface Truth {
  type: "truth";
  t: number;
  position: { n: number; e: number; d: number };
  thrusters: { pwm_us: number; force_n: number }[];
}

const pilot = (at: number, surge: number) =>
  JSON.stringify({ at, type: "pilot", surge, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });

async function fly(lines: string[], durationS: number) {
  const sink = new MemorySink();
  await runHeadless({
    durationS,
    script: parseScript(lines.join("\n"), "test"),
    sink,
    truthHz: 50,
    agent: true,
    world: { noise: true, seed: 3 },
  });
  const truth = sink.records.filter((r) => r.type === "truth") as unknown as Truth[];
  const telemetry = sink.records.filter((r) => r.type === "telemetry") as unknown as {
    t: number;
    armed: boolean;
    failsafe: string[];
    thrusters: number[];
  }[];
  const agent = sink.records.filter((r) => r.type === "agent") as unknown as {
    t: number;
    message: { type: string; code: string; active?: boolean };
  }[];
  const moving = (r: Truth) => r.thrusters.some((x) => x.force_n !== 0);
  return { truth, telemetry, agent, moving };
}

test("arm, surge forward for 10 s, disarm: the vehicle moves forward and stops thrusting on disarm", async () => {
  const lines = ['{"at":1,"type":"arm"}'];
  for (let t = 1.2; t < 11.2; t += 0.5) lines.push(pilot(Math.round(t * 10) / 10, 1));
  lines.push('{"at":11.2,"type":"disarm"}');
  const { truth, telemetry, agent, moving } = await fly(lines, 14);
  const at = (t: number) => truth.find((r) => r.t >= t) as Truth;
  assert.ok(
    truth.filter((r) => r.t < 1).every((r) => !moving(r)),
    "no thrust before arming",
  );
  const travelled = at(11.2).position.n - at(1.2).position.n;
  // Steady surge at full forward is ≈ 2.4 m/s in this model (docs/simulator.md); ten seconds of
  // it, less the acceleration, is well over 15 m.
  assert.ok(travelled > 15, `moved only ${travelled.toFixed(2)} m forward`);
  assert.ok(Math.abs(at(11.2).position.e) < 1, "went straight");
  const afterDisarm = truth.filter((r) => r.t >= 11.25);
  assert.ok(afterDisarm.length > 0 && afterDisarm.every((r) => !moving(r)), "thrust after disarm");
  // Full forward draws ≈ 90 A: beyond the INA260's rated 15 A, so the agent flags the reading.
  assert.deepEqual(
    agent.map((a) => a.message.code),
    ["ARMED", "POWER_SATURATED", "DISARMED"],
  );
  assert.ok(
    telemetry.some((m) => m.armed) && !(telemetry.at(-1)?.armed ?? true),
    "telemetry reports armed, then disarmed",
  );
});

test("without arming, pilot input never moves a thruster", async () => {
  const lines: string[] = [];
  for (let t = 0.5; t < 5; t += 0.25) lines.push(pilot(t, 1));
  const { truth, telemetry, moving } = await fly(lines, 5);
  assert.ok(truth.length > 200);
  assert.ok(
    truth.every((r) => !moving(r)),
    "a thruster moved while disarmed",
  );
  assert.ok(telemetry.every((m) => !m.armed && m.thrusters.every((x) => x === 0)));
});

test("pilot input loss: thrusters neutral within the timeout plus a tick, alarm raised, cleared when input returns", async () => {
  const lines = ['{"at":1,"type":"arm"}', pilot(1.5, 1), pilot(4, 1)];
  const { truth, agent, moving } = await fly(lines, 5);
  // Last input at 1.5 s, timeout 1 s, loop tick 20 ms, PCA9685 write on the same tick.
  const stillAt = truth.filter((r) => r.t > 1.55 && r.t < 2.45);
  assert.ok(stillAt.every(moving), "should still fly until the timeout");
  const neutral = truth.filter((r) => r.t >= 2.56 && r.t < 3.99);
  assert.ok(neutral.length > 0 && neutral.every((r) => !moving(r)), "not neutral after the timeout");
  const raised = agent.find((a) => a.message.code === "FS_PILOT_INPUT" && a.message.active === true);
  assert.ok(raised && raised.t > 2.5 && raised.t <= 2.54, `alarm at ${raised?.t}`);
  const cleared = agent.find((a) => a.message.code === "FS_PILOT_INPUT" && a.message.active === false);
  assert.ok(cleared && cleared.t >= 4 && cleared.t <= 4.04, `cleared at ${cleared?.t}`);
  assert.ok(truth.filter((r) => r.t > 4.1).every(moving), "flies again after input returns");
});
