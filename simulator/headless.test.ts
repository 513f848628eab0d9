import assert from "node:assert/strict";
import { test } from "node:test";
import { runHeadless } from "./headless.ts";
import { MemorySink } from "./recorder.ts";
import { parseScript } from "./script.ts";

type Rec = Record<string, unknown> & { type: string; t: number };

test("headless run: truth at a fixed rate, readings through the sim bus, script faults applied", async () => {
  const sink = new MemorySink();
  const script = parseScript(
    [
      '{"at":0.5,"type":"sim.thrusters","pwm":[1500,1500,1500,1500,1700,1700]}',
      '{"at":2,"type":"sim.fault","device":"ms5837","fault":"missing"}',
      '{"at":3,"type":"sim.fault","device":"ms5837","fault":"clear"}',
    ].join("\n"),
  );
  const r = await runHeadless({
    durationS: 4,
    script,
    sink,
    truthHz: 10,
    readingHz: 5,
    world: { pose: { d: 2 }, seed: 3 },
  });
  const recs = sink.records as Rec[];
  const truth = recs.filter((x) => x.type === "truth");
  assert.equal(truth.length, 41, "t = 0, 0.1, …, 4.0");
  assert.deepEqual(
    truth.slice(0, 3).map((x) => x.t),
    [0, 0.1, 0.2],
  );
  const last = truth[truth.length - 1] as Rec & { position: { d: number }; thrusters: { pwm_us: number }[] };
  assert.ok(last.position.d > 2, "vertical thrust pushed the vehicle down");
  assert.equal(last.thrusters[4]?.pwm_us, 1700);
  const depth = recs.filter((x) => x.type === "reading" && x.sensor === "depth") as (Rec & {
    depth_m?: number;
    error?: string;
  })[];
  const during = depth.filter((x) => x.t > 2.05 && x.t < 2.95);
  assert.ok(
    during.length > 0 && during.every((x) => x.error === "DEVICE_MISSING"),
    "missing sensor → the driver reports DEVICE_MISSING",
  );
  const after = depth.filter((x) => x.t > 3.1);
  assert.ok(after.length > 0 && after.every((x) => typeof x.depth_m === "number"), "recovers after clear");
  // The reading agrees with the truth at about the same time (noise 10 Pa ≈ 1 mm).
  const lastDepth = after[after.length - 1] as { t: number; depth_m: number };
  const near = truth.reduce((a, b) => (Math.abs(b.t - lastDepth.t) < Math.abs(a.t - lastDepth.t) ? b : a)) as Rec & {
    position: { d: number };
  };
  assert.ok(Math.abs(lastDepth.depth_m - near.position.d) < 0.05, `${lastDepth.depth_m} vs ${near.position.d}`);
  assert.ok(recs.some((x) => x.type === "reading" && x.sensor === "imu" && typeof x.heading === "number"));
  assert.ok(recs.some((x) => x.type === "reading" && x.sensor === "power" && (x.volts as number) > 14));
  assert.ok(recs.filter((x) => x.type === "script").length === 3);
  assert.ok(Math.abs(r.simSeconds - 4) < 1e-6);
});

test("the reading source is pluggable (the real drivers take the temporary readers' place)", async () => {
  const sink = new MemorySink();
  let closed = false;
  await runHeadless({
    durationS: 1,
    sink,
    readingHz: 4,
    readings: (w) => ({
      sample: async () => [{ type: "reading", sensor: "custom", t: w.t, d: w.truth().position }],
      close: async () => {
        closed = true;
      },
    }),
  });
  const custom = sink.records.filter((r) => r.type === "reading");
  assert.ok(custom.length >= 4 && custom.every((r) => r.sensor === "custom"));
  assert.ok(closed);
});

test("the same seed and script give the identical recording", async () => {
  const run = async () => {
    const sink = new MemorySink();
    await runHeadless({ durationS: 1, sink, world: { seed: 9, pose: { d: 1 } } });
    return JSON.stringify(sink.records);
  };
  assert.equal(await run(), await run());
});
