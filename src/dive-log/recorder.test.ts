import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pino } from "pino";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { sampleTelemetry } from "../protocol/testing/sample-telemetry.ts";
import { diveInfo, openDiveLog, readRecords, repairDiveLog } from "./reader.ts";
import { DiveRecorder, type DiveRecorderOptions } from "./recorder.ts";
import { sampleStatus } from "./testing/sample-dive.ts";

const root = mkdtempSync(join(tmpdir(), "tethys-divelog-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function setup(extra: Partial<DiveRecorderOptions> = {}) {
  const clock = new VirtualClock();
  const dir = join(root, `r${n++}`);
  const alarms: string[] = [];
  const recorder = new DiveRecorder({
    dir,
    clock,
    logger: pino({ level: "silent" }),
    preMarginMs: 2000,
    postMarginMs: 3000,
    flushMs: 1000,
    sync: false,
    onAlarm: (_v, code) => alarms.push(code),
    ...extra,
  });
  let seq = 0;
  /** One telemetry frame at the clock's time, then 100 ms on. */
  const tick = (armed: boolean, depth: number) => {
    recorder.telemetry("rov-1", {
      message: sampleTelemetry({ armed, depth }),
      seq: seq++,
      timestamp: clock.wallMicros(),
    });
    clock.advance(100);
  };
  /** One vehicle-status frame at the clock's time, taking the telemetry link's next seq as the vehicle's do. */
  const status = () =>
    recorder.telemetry("rov-1", { message: sampleStatus(0), seq: seq++, timestamp: clock.wallMicros() });
  /** A seq the link lost: the frame never reaches the recorder. */
  const lose = () => {
    seq++;
  };
  const files = () => readdirSync(join(dir, "rov-1")).map((f) => join(dir, "rov-1", f));
  return { clock, dir, recorder, tick, status, lose, alarms, files };
}

test("a dive is recorded from arming (with the margin before) to the margin after disarming", async () => {
  const { recorder, tick, files, clock } = setup();
  for (let i = 0; i < 50; i++) tick(false, 0); // 5 s idle: only the last 2 s are kept
  recorder.role("rov-1", { session: 3, name: "ana", role: "pilot", reason: "requested", by: 3 });
  for (let i = 0; i < 100; i++) tick(true, i / 10); // 10 s armed
  recorder.command("rov-1", {
    session: 3,
    name: "ana",
    message: { type: "arm" },
    result: "forwarded",
    code: "",
  });
  recorder.command("rov-1", {
    session: 4,
    name: "bo",
    message: { type: "disarm" },
    result: "refused",
    code: "HUB_NOT_PILOT",
  });
  recorder.event("rov-1", {
    message: { type: "alarm", severity: "alarm", code: "FS_LEAK", active: true, text: "leak" },
    seq: 1,
    timestamp: clock.wallMicros(),
  });
  for (let i = 0; i < 20; i++) tick(false, 10); // 2 s disarmed: still within the 3 s margin
  for (let i = 0; i < 20; i++) tick(false, 10); // 2 s more: the dive ends at 3 s
  await recorder.close();

  const [file, ...rest] = files();
  assert.equal(rest.length, 0);
  const info = await diveInfo(file as string);
  const count = (t: string) => info.channels.find((c) => c.topic === t)?.count;
  // 2 s before arming (21 frames at 100 ms, inclusive), 10 s armed, 3 s after disarming (30 frames).
  assert.equal(count("/telemetry"), 20 + 100 + 30);
  assert.equal(count("/commands"), 2);
  assert.equal(count("/roles"), 1);
  assert.equal(count("/alarms"), 1);
  assert.deepEqual(
    info.alarms.map((a) => [a.code, a.active]),
    [["FS_LEAK", true]],
  );
  assert.deepEqual(
    info.modes.map((m) => m.armed),
    [false, true, false],
  );
  assert.equal(info.metadata.vehicle, "rov-1");
  assert.equal(info.compression, "zstd");
  assert.ok(Math.abs(info.durationS - 14.9) < 0.2, `duration ${info.durationS}`);

  const log = await openDiveLog(file as string);
  const commands = [];
  for await (const r of readRecords(log, { topics: ["/commands"] })) commands.push(r.value);
  await log.close();
  assert.deepEqual(
    commands.map((c) => [c.name, c.command, c.result, c.code]),
    [
      ["ana", "arm", "forwarded", ""],
      ["bo", "disarm", "refused", "HUB_NOT_PILOT"],
    ],
  );
});

test("vehicle-status frames go to /vehicle-status with their seqs: they neither start a dive nor count as holes", async () => {
  const { recorder, tick, status, lose, files } = setup();
  for (let i = 0; i < 50; i++) {
    if (i === 5 || i === 45) status(); // at 0.5 s (before the margin) and 4.5 s (within it)
    tick(false, 0);
  }
  assert.equal(recorder.openFiles().size, 0, "no dive while disarmed, status frames or not");
  for (let i = 0; i < 30; i++) {
    if (i % 10 === 0) status();
    tick(true, 1);
  }
  lose(); // one frame lost on the link: a real hole
  for (let i = 0; i < 10; i++) tick(true, 1);
  await recorder.close();

  const [file] = files();
  const info = await diveInfo(file as string, { seqs: true });
  const telemetry = info.channels.find((c) => c.topic === "/telemetry")?.count;
  assert.equal(info.channels.find((c) => c.topic === "/vehicle-status")?.count, 4);
  assert.equal(info.channels.find((c) => c.topic === "/vehicle-status")?.schema, "tethys.VehicleStatus");
  assert.deepEqual(info.link, { telemetry, status: 4, missing: 1, holes: 1, longestHole: 1 });

  const log = await openDiveLog(file as string);
  const statuses = [];
  for await (const r of readRecords(log, { topics: ["/vehicle-status"] })) statuses.push(r.value);
  await log.close();
  assert.deepEqual(
    statuses.map((s) => [s.seq, s.source, s.water, (s.imuCalibration as { sys: number }).sys]),
    [
      [46, "live", "fresh", 3],
      [52, "live", "fresh", 3],
      [63, "live", "fresh", 3],
      [74, "live", "fresh", 3],
    ],
  );
});

test("re-arming within the margin continues the dive; a second dive gets its own file", async () => {
  const { recorder, tick, files } = setup();
  for (let i = 0; i < 10; i++) tick(true, 1);
  for (let i = 0; i < 10; i++) tick(false, 1); // 1 s disarmed < 3 s margin
  for (let i = 0; i < 10; i++) tick(true, 1);
  for (let i = 0; i < 40; i++) tick(false, 1); // dive 1 ends
  for (let i = 0; i < 10; i++) tick(true, 2); // dive 2
  await recorder.close();
  const all = files().sort();
  assert.equal(all.length, 2);
  const first = await diveInfo(all[0] as string);
  assert.deepEqual(
    first.modes.map((m) => m.armed),
    [true, false, true, false],
  );
});

test("the flush timer writes a chunk every second; a file cut anywhere is repaired into an indexed log", async () => {
  const { recorder, tick, files } = setup();
  const sizes: number[] = [];
  for (let i = 0; i < 30; i++) {
    tick(true, i); // the clock's flush interval fires every 10 frames
    if (i % 10 === 9) {
      await recorder.flushed();
      sizes.push(statSync(files()[0] as string).size);
    }
  }
  const file = files()[0] as string;
  // Still open: not indexed.
  await assert.rejects(openDiveLog(file), { code: "DIVELOG_NOT_INDEXED" });
  const [, second, third] = sizes as [number, number, number];
  assert.ok(second < third, "each second adds a chunk to the file");
  const copy = `${file}.cut`;
  writeFileSync(copy, readFileSync(file).subarray(0, Math.floor((second + third) / 2))); // inside the third chunk
  const fixed = `${file}.fixed.mcap`;
  const result = await repairDiveLog(copy, fixed);
  const info = await diveInfo(fixed);
  assert.equal(info.metadata.repaired, "true");
  assert.equal(info.metadata.vehicle, "rov-1");
  // Two whole chunks survive (frames 0–19 and the mode record); the cut one is lost.
  assert.equal(result.messages, 21);
  assert.equal(info.channels.find((c) => c.topic === "/telemetry")?.count, 20);
  assert.ok(result.discardedBytes > 0);
  await recorder.close();
  truncateSync(copy, 3);
  await assert.rejects(repairDiveLog(copy, `${copy}.2`), { code: "DIVELOG_UNRECOVERABLE" });
  await assert.rejects(diveInfo(copy), { code: "DIVELOG_READ" });
});

test("a nearly full disk stops the dive's recording with an alarm; the recorder keeps taking records", async () => {
  let free = 10 * 1024 * 1024 * 1024;
  const { recorder, tick, alarms, clock, files } = setup({ freeBytes: async () => free, minFreeBytes: 1024 });
  for (let i = 0; i < 10; i++) tick(true, 1);
  await recorder.flushed();
  free = 10;
  clock.advance(10_000); // flush + disk check
  await new Promise((r) => setImmediate(r));
  await recorder.flushed();
  for (let i = 0; i < 10; i++) tick(true, 1);
  await recorder.close();
  assert.deepEqual(alarms, ["DIVELOG_DISK_FULL"]);
  assert.equal(recorder.stats.dropped, 10);
  const info = await diveInfo(files()[0] as string);
  assert.equal(info.channels.find((c) => c.topic === "/telemetry")?.count, 10);
});

test("a log directory that cannot be written stops recording with DIVELOG_WRITE, and nothing throws", async () => {
  const blocker = join(root, `blocked${n++}`);
  writeFileSync(blocker, "not a directory");
  const { recorder, tick, alarms, clock } = setup({ dir: blocker, freeBytes: async () => 1e12 });
  for (let i = 0; i < 5; i++) tick(true, 1);
  clock.advance(1000);
  await recorder.flushed();
  clock.advance(1000);
  await recorder.close();
  assert.deepEqual(alarms, ["DIVELOG_WRITE"]);
});

test("records past the pending-bytes bound are dropped and counted with one DIVELOG_BEHIND alarm", async () => {
  const { recorder, tick, alarms } = setup({ maxPendingBytes: 4000, freeBytes: async () => 1e12 });
  for (let i = 0; i < 40; i++) tick(true, 1); // ~600 bytes each, no flush in between
  assert.ok(recorder.stats.dropped > 0);
  assert.deepEqual(alarms, ["DIVELOG_BEHIND"]);
  await recorder.close();
});

test("rotation by size opens the next part of the same dive", async () => {
  const { recorder, tick, files } = setup({ rotateBytes: 8000, freeBytes: async () => 1e12 });
  for (let i = 0; i < 60; i++) tick(true, i);
  await recorder.close();
  const parts = files().sort();
  assert.ok(parts.length >= 3, `parts: ${parts.length}`);
  assert.match(parts[0] as string, /-001\.mcap$/);
  assert.match(parts[1] as string, /-002\.mcap$/);
  let total = 0;
  for (const p of parts) total += (await diveInfo(p)).channels.find((c) => c.topic === "/telemetry")?.count ?? 0;
  assert.equal(total, 60);
});
