import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { registerSimCommand, runSimCommand } from "../src/cli/sim-command.ts";
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

test("CLI: --headless writes an NDJSON recording and a summary; bad arguments give SIM_CLI_ARG/SIM_SCRIPT", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tethys-sim-cli-"));
  try {
    const rec = join(dir, "run.ndjson");
    const scr = join(dir, "s.ndjson");
    writeFileSync(scr, '{"at":0.2,"type":"sim.current","n":0.5,"e":0,"d":0}\n');
    const lines: string[] = [];
    const code = await runSimCommand(
      { headless: true, duration: "1", record: rec, script: scr, seed: "1", truthRate: "20", readings: false },
      (l) => lines.push(l),
    );
    assert.equal(code, 0);
    const recs = readFileSync(rec, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Rec);
    assert.equal(recs.filter((r) => r.type === "truth").length, 21);
    assert.equal(recs.filter((r) => r.type === "reading").length, 0);
    const summary = JSON.parse(lines[0] as string) as { type: string; speed_factor: number };
    assert.equal(summary.type, "summary");
    assert.ok(summary.speed_factor > 0);

    writeFileSync(scr, '{"at":0.2,"type":"sim.current","n":0.5}\n');
    await assert.rejects(
      runSimCommand({ headless: true, duration: "1", script: scr }),
      (e: { code?: string; message?: string }) => {
        return e.code === "SIM_SCRIPT" && /line 1: e:/.test(e.message ?? "");
      },
    );
    await assert.rejects(runSimCommand({ headless: true, duration: "abc" }), { code: "SIM_CLI_ARG" });
    await assert.rejects(runSimCommand({ headless: true }), { code: "SIM_CLI_ARG" });
    await assert.rejects(runSimCommand({ headless: true, duration: "1", water: "lava" }), { code: "SIM_CLI_ARG" });
    await assert.rejects(runSimCommand({ listen: "tcp:99999" }), { code: "SIM_CLI_ARG" });

    // Through commander: errors are printed with their code and set the exit code, no throw.
    const program = new Command().exitOverride();
    registerSimCommand(program);
    const prev = process.exitCode;
    const errors: string[] = [];
    const origError = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      await program.parseAsync(["sim", "--headless", "--duration", "-5"], { from: "user" });
    } finally {
      console.error = origError;
    }
    assert.equal(process.exitCode, 2);
    assert.match(errors[0] ?? "", /^SIM_CLI_ARG: --duration/);
    process.exitCode = prev;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
