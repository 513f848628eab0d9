import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pino } from "pino";
import { Registry } from "prom-client";
import { emptySnapshot, type SensorSnapshot } from "../control/sensor-snapshot.ts";
import { VECTORED_6 } from "../control/thruster-layout.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { decodeFrame, type Message, type MessageOf } from "../protocol/index.ts";
import { VehicleAgent } from "./agent.ts";
import type { Accessories } from "./io.ts";

function rig(opts: { loopHz?: number; telemetryHz?: number; accessories?: Accessories } = {}) {
  const clock = new VirtualClock();
  const writes: number[][] = [];
  const frames: Uint8Array[] = [];
  const events: Message[] = [];
  let neutralCalls = 0;
  const snapshot: SensorSnapshot = { ...emptySnapshot(), depth: 1.5, heading: 370, batteryVoltage: 15.9 };
  const registry = new Registry();
  const agent = new VehicleAgent({
    clock,
    frame: VECTORED_6,
    sensors: { latest: () => snapshot },
    thrusters: {
      set: (c) => writes.push([...c]),
      neutral: async () => {
        neutralCalls++;
      },
    },
    telemetry: { send: (b) => frames.push(b.slice()) },
    events: { send: (m) => events.push(m) },
    logger: pino({ level: "silent" }),
    registry,
    loopHz: opts.loopHz ?? 50,
    telemetryHz: opts.telemetryHz ?? 10,
    ...(opts.accessories === undefined ? {} : { accessories: opts.accessories }),
  });
  const last = () => writes[writes.length - 1] ?? [];
  return { clock, agent, writes, frames, events, last, registry, snapshot, neutralCalls: () => neutralCalls };
}

const forward: MessageOf<"pilot"> = {
  type: "pilot",
  surge: 1,
  sway: 0,
  heave: 0,
  yaw: 0,
  pitch: 0,
  roll: 0,
  gain: 0.5,
};

describe("vehicle agent loop", () => {
  test("thrusters stay neutral without arming, whatever the pilot sends", () => {
    const r = rig();
    r.agent.start();
    r.agent.setCommandLink(true);
    for (let i = 0; i < 50; i++) {
      r.agent.handleCommand(forward);
      r.clock.advance(20);
    }
    assert.equal(r.writes.length, 50);
    for (const w of r.writes) assert.deepEqual(w, [0, 0, 0, 0, 0, 0]);
  });

  test("armed pilot input is mixed to thrusters with gain", () => {
    const r = rig();
    r.agent.start();
    r.agent.setCommandLink(true);
    r.agent.handleCommand({ type: "arm" });
    r.agent.handleCommand(forward);
    r.clock.advance(20);
    assert.deepEqual(r.last(), [-0.5, -0.5, 0.5, 0.5, 0, 0]);
    assert.equal(r.events[0]?.type, "event");
    assert.equal((r.events[0] as MessageOf<"event">).code, "ARMED");
  });

  test("pilot input loss neutralises within the timeout plus one tick and raises an alarm; input clears it", () => {
    const r = rig();
    r.agent.start();
    r.agent.setCommandLink(true);
    r.agent.handleCommand({ type: "arm" });
    r.agent.handleCommand(forward);
    r.clock.advance(1000);
    assert.deepEqual(r.last(), [-0.5, -0.5, 0.5, 0.5, 0, 0], "still flying at the timeout");
    r.clock.advance(20);
    assert.deepEqual(r.last(), [0, 0, 0, 0, 0, 0]);
    const alarm = r.events.find((e): e is MessageOf<"alarm"> => e.type === "alarm");
    assert.deepEqual(alarm && [alarm.code, alarm.active, alarm.severity], ["FS_PILOT_INPUT", true, "alarm"]);
    assert.deepEqual(r.agent.failsafes, ["FS_PILOT_INPUT"]);
    r.agent.handleCommand(forward);
    r.clock.advance(20);
    assert.deepEqual(r.last(), [-0.5, -0.5, 0.5, 0.5, 0, 0]);
    assert.deepEqual(r.agent.failsafes, []);
  });

  test("command link loss neutralises on the next tick", () => {
    const r = rig();
    r.agent.start();
    r.agent.setCommandLink(true);
    r.agent.handleCommand({ type: "arm" });
    r.agent.handleCommand(forward);
    r.clock.advance(20);
    r.agent.setCommandLink(false);
    r.clock.advance(20);
    assert.deepEqual(r.last(), [0, 0, 0, 0, 0, 0]);
    assert.ok(r.agent.failsafes.includes("FS_COMMAND_LINK"));
  });

  test("arming without the link is refused with a coded event", () => {
    const r = rig();
    r.agent.handleCommand({ type: "arm" });
    assert.equal(r.agent.armed, false);
    assert.equal((r.events[0] as MessageOf<"event">).code, "ARM_NO_LINK");
  });

  test("a mode whose sensor is not healthy is refused and reported", () => {
    const r = rig();
    r.agent.tick();
    r.agent.handleCommand({ type: "mode", mode: "stabilize" });
    assert.equal((r.events[0] as MessageOf<"event">).code, "MODE_UNAVAILABLE", "no IMU in this rig");
    assert.equal(r.agent.mode.selected, "manual");
  });

  test("telemetry goes out at its own rate as valid frames with the agent's state", () => {
    const r = rig({ loopHz: 50, telemetryHz: 10 });
    r.agent.start();
    r.agent.setCommandLink(true);
    r.agent.handleCommand({ type: "arm" });
    r.clock.advance(1000);
    const all = r.frames.map((f) => decodeFrame(f));
    // One sequence for every frame on the link (the vehicle-status frames share it).
    assert.deepEqual(
      all.map((d) => d.seq),
      all.map((_, i) => i),
    );
    const decoded = all.filter((d) => d.message.type === "telemetry");
    assert.equal(decoded.length, 10);
    const t = decoded[9]?.message as MessageOf<"telemetry">;
    assert.equal(t.armed, true);
    assert.equal(t.depth, 1.5);
    assert.equal(t.heading, 10, "heading wrapped into 0..360");
    assert.equal(t.battery.voltage, Math.fround(15.9));
    assert.equal(t.waterTemperature, null);
    assert.equal((decoded[1]?.timestamp ?? 0) - (decoded[0]?.timestamp ?? 0), 100_000);
  });

  test("telemetry's vertical speed is the estimator's, from the depth readings, and unknown when depth fails", () => {
    const r = rig({ loopHz: 50, telemetryHz: 10 });
    r.agent.start();
    // Descending at 0.5 m/s, depth sampled every 50 ms as the board's sensor loop does.
    const sampler = r.clock.setInterval(50, () => {
      r.snapshot.depth = 1.5 + 0.5 * (r.clock.now() / 1000);
    });
    r.clock.advance(2000);
    const last = decodeFrame(r.frames.at(-1) as Uint8Array).message as MessageOf<"telemetry">;
    assert.ok(
      last.verticalSpeed !== null && Math.abs(last.verticalSpeed - 0.5) < 0.1,
      `vertical speed ${last.verticalSpeed}`,
    );
    sampler.cancel();
    r.snapshot.depth = null;
    r.clock.advance(200);
    const failed = decodeFrame(r.frames.at(-1) as Uint8Array).message as MessageOf<"telemetry">;
    assert.equal(failed.verticalSpeed, null);
    assert.equal(failed.depth, null);
  });

  test("shutdown neutralises thrusters and stops the loop", async () => {
    const r = rig();
    r.agent.start();
    r.agent.setCommandLink(true);
    r.agent.handleCommand({ type: "arm" });
    r.agent.handleCommand(forward);
    r.clock.advance(20);
    await r.agent.shutdown();
    assert.equal(r.neutralCalls(), 1);
    assert.equal(r.agent.armed, false);
    const n = r.writes.length;
    r.clock.advance(200);
    assert.equal(r.writes.length, n, "no ticks after shutdown");
  });

  test("loop overruns are counted when ticks come late", async () => {
    const r = rig();
    r.agent.start();
    r.clock.advance(20);
    // Simulate a stall: the next tick runs 100 ms after the previous one.
    (r.agent as unknown as { lastTickAt: number }).lastTickAt -= 100;
    r.clock.advance(20);
    const text = await r.registry.getSingleMetricAsString("tethys_vehicle_loop_overruns_total");
    assert.match(text, /tethys_vehicle_loop_overruns_total 1$/m);
  });

  test("reset-energy resets the sensors' energy counter (ENERGY_RESET); a source without one reports unsupported", async () => {
    const r = rig();
    let resets = 0;
    (r.agent as unknown as { o: { sensors: { resetEnergy?: () => void } } }).o.sensors.resetEnergy = () => resets++;
    r.agent.start();
    r.agent.handleCommand({ type: "reset-energy" });
    assert.equal(resets, 1);
    assert.ok(r.events.some((m) => m.type === "event" && m.code === "ENERGY_RESET"));
    const bare = rig();
    bare.agent.handleCommand({ type: "reset-energy" });
    assert.ok(!bare.events.some((m) => m.type === "event" && m.code === "ENERGY_RESET"));
    const text = await bare.registry.getSingleMetricAsString("tethys_vehicle_commands_total");
    assert.match(text, /type="reset-energy",result="unsupported"/);
  });

  test("lights and camera tilt reach the board's accessories; one the board lacks is unsupported, not a silent no-op", async () => {
    const seen: string[] = [];
    const both = rig({
      accessories: { lights: (l) => seen.push(`lights ${l}`), cameraTilt: (t) => seen.push(`tilt ${t}`) },
    });
    both.agent.handleCommand({ type: "lights", level: 0.5 });
    both.agent.handleCommand({ type: "camera-tilt", tilt: -0.4 });
    assert.deepEqual(seen, ["lights 0.5", "tilt -0.4"]);
    const lightsOnly = rig({ accessories: { lights: (l) => seen.push(`lights ${l}`) } });
    lightsOnly.agent.handleCommand({ type: "camera-tilt", tilt: 1 });
    lightsOnly.agent.handleCommand({ type: "lights", level: 1 });
    assert.deepEqual(seen.slice(2), ["lights 1"]);
    const text = await lightsOnly.registry.getSingleMetricAsString("tethys_vehicle_commands_total");
    assert.match(text, /type="camera-tilt",result="unsupported"\} 1/);
    assert.match(text, /type="lights",result="ok"\} 1/);
  });

  test("a saturated power reading is reported once (POWER_SATURATED) until it is back in range", () => {
    const r = rig();
    r.agent.start();
    r.snapshot.powerSaturated = true;
    r.clock.advance(100);
    r.snapshot.powerSaturated = false;
    r.clock.advance(100);
    r.snapshot.powerSaturated = true;
    r.clock.advance(100);
    const n = r.events.filter((m) => m.type === "event" && m.code === "POWER_SATURATED").length;
    assert.equal(n, 2, "once per episode");
  });
});
