import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { recordSampleDive, SAMPLE_LEAK_TEXT, sampleDepth, sampleStatus } from "../dive-log/testing/sample-dive.ts";
import { runMain } from "./testing/run-main.ts";

const dir = mkdtempSync(join(tmpdir(), "tethys-log-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let file = "";

/** The sample dive, 5 s: 50 frames at 10 Hz, a vehicle-status each second, a leak alarm raised and cleared. */
before(async () => {
  file = await recordSampleDive(dir, 5, 10);
});

test("tethys log info: duration, channel counts, alarms, mode changes; vehicle-status seqs are no hole", async () => {
  const r = await runMain(["log", "info", file]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\(4\.9 s\)/);
  assert.match(r.out, /\/telemetry\s+50\s+tethys\.Telemetry/);
  assert.match(r.out, /\/vehicle-status\s+5\s+tethys\.VehicleStatus/);
  assert.match(r.out, /\/alarms\s+2\s+tethys\.Alarm/);
  assert.match(r.out, new RegExp(`raised\\s+critical FS_LEAK {2}${SAMPLE_LEAK_TEXT}\n.*cleared\\s+critical FS_LEAK`));
  assert.match(r.out, /armed +manual\n.*armed +depth-hold\n/);
  assert.doesNotMatch(r.out, /telemetry link:/, "the seqs are counted only when asked for");
  const seqs = await runMain(["log", "info", file, "--seqs"]);
  assert.match(seqs.out, /telemetry link: 50 telemetry \+ 5 vehicle-status frames, no seq missing/);
  const json = JSON.parse((await runMain(["log", "info", file, "--json", "--seqs"])).out);
  assert.equal(json.metadata.vehicle, "rov-1");
  assert.equal(json.messages, 61, "50 frames, 5 vehicle-status, two alarms, two mode and two link changes");
  assert.deepEqual(json.link, { telemetry: 50, status: 5, missing: 0, holes: 0, longestHole: 0 });
  assert.deepEqual(
    json.channels.find((c: { topic: string }) => c.topic === "/vehicle-status"),
    { topic: "/vehicle-status", schema: "tethys.VehicleStatus", count: 5 },
  );
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
    Array.from({ length: 50 }, (_, i) => sampleDepth(i / 10)),
  );
  assert.equal((rows[10] as string).split(",")[1], "1.000000");
  const alarms = await runMain(["log", "export", file, "--csv", "--topic", "/alarms"]);
  assert.match(alarms.out, new RegExp(`FS_LEAK,true,"${SAMPLE_LEAK_TEXT}"`));
  assert.equal((await runMain(["log", "export", file])).code, 1, "no format given");
  // vehicle-status on its own channel: one row a second, with the seqs the telemetry skips
  const status = await runMain(["log", "export", file, "--csv", "--topic", "/vehicle-status"]);
  assert.equal(status.code, 0, status.err);
  const [statusHeader, ...statusRows] = status.out.trimEnd().split("\n");
  const statusCols = (statusHeader as string).split(",");
  for (const c of ["seq", "pressure", "imuCalibration.sys", "motorTest.active", "thrusters.5.reversed"])
    assert.ok(statusCols.includes(c), `${c} in ${statusHeader}`);
  assert.deepEqual(
    statusRows.map((row) => Number(row.split(",")[statusCols.indexOf("seq")])),
    [1, 12, 23, 34, 45],
  );
  assert.deepEqual(
    statusRows.map((row) => Number(row.split(",")[statusCols.indexOf("pressure")])),
    [0, 1, 2, 3, 4].map((t) => sampleStatus(t).pressure),
  );
  assert.deepEqual(
    statusRows.map((row) => row.split(",")[1]),
    ["0.000000", "1.000000", "2.000000", "3.000000", "4.000000"],
    "t_s: the status's own time",
  );
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
  assert.match(r.out, /61 messages recovered/);
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
