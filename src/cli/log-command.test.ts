import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { DiveRecorder } from "../dive-log/recorder.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { sampleTelemetry } from "../protocol/testing/sample-telemetry.ts";
import { runMain } from "./testing/run-main.ts";

const dir = mkdtempSync(join(tmpdir(), "tethys-log-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let file = "";

/** A 5-second dive: 50 frames at 10 Hz, depth 0.0…4.9 m, a leak alarm raised at 2 s. */
before(async () => {
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
  for (let i = 0; i < 50; i++) {
    recorder.telemetry("rov-1", {
      message: sampleTelemetry({ armed: true, depth: i / 10, mode: i < 25 ? "manual" : "depth-hold" }),
      seq: i,
      timestamp: clock.wallMicros(),
    });
    if (i === 20)
      recorder.event("rov-1", {
        message: { type: "alarm", severity: "critical", code: "FS_LEAK", active: true, text: "water, inside" },
        seq: 1000,
        timestamp: clock.wallMicros(),
      });
    clock.advance(100);
  }
  await recorder.close();
  const [name] = readdirSync(join(dir, "rov-1"));
  file = join(dir, "rov-1", name as string);
});

test("tethys log info: duration, channel counts, alarms, mode changes", async () => {
  const r = await runMain(["log", "info", file]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\(4\.9 s\)/);
  assert.match(r.out, /\/telemetry\s+50\s+tethys\.Telemetry/);
  assert.match(r.out, /\/alarms\s+1\s+tethys\.Alarm/);
  assert.match(r.out, /raised\s+critical FS_LEAK {2}water, inside/);
  assert.match(r.out, /armed +manual\n.*armed +depth-hold\n/);
  const json = JSON.parse((await runMain(["log", "info", file, "--json"])).out);
  assert.equal(json.metadata.vehicle, "rov-1");
  assert.equal(json.messages, 53, "50 frames, an alarm, two mode changes");
});

test("tethys log export --csv: a header with flattened fields, one row per frame, in time order", async () => {
  const r = await runMain(["log", "export", file, "--csv"]);
  assert.equal(r.code, 0, r.err);
  const [header, ...rows] = r.out.trimEnd().split("\n");
  const cols = (header as string).split(",");
  assert.deepEqual(cols.slice(0, 2), ["time", "t_s"]);
  assert.ok(cols.includes("battery.voltage") && cols.includes("thrusters.5") && cols.includes("attitude.w"));
  assert.equal(rows.length, 50);
  const depth = cols.indexOf("depth");
  assert.deepEqual(
    rows.map((row) => Number(row.split(",")[depth])),
    Array.from({ length: 50 }, (_, i) => i / 10),
  );
  assert.equal((rows[10] as string).split(",")[1], "1.000000");
  const alarms = await runMain(["log", "export", file, "--csv", "--topic", "/alarms"]);
  assert.match(alarms.out, /FS_LEAK,true,"water, inside"/);
  assert.equal((await runMain(["log", "export", file])).code, 1, "no format given");
  assert.equal((await runMain(["log", "export", file, "--csv", "--topic", "/nope"])).code, 1);
});

test("tethys log repair: a file cut short is rewritten in place with an index; bad input is an error, not a crash", async () => {
  const cut = join(dir, "cut.mcap");
  const bytes = readFileSync(file);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 200)); // summary and footer lost
  const before = await runMain(["log", "info", cut]);
  assert.equal(before.code, 1);
  assert.match(before.err, /tethys log repair/);
  const r = await runMain(["log", "repair", cut]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /53 messages recovered/);
  const after = await runMain(["log", "info", cut]);
  assert.equal(after.code, 0, after.err);
  assert.match(after.out, /\(repaired\)/);
  const junk = join(dir, "junk.mcap");
  writeFileSync(junk, "not a log at all");
  const bad = await runMain(["log", "repair", junk]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /no MCAP header/);
  assert.equal((await runMain(["log", "info", join(dir, "missing.mcap")])).code, 1);
});
