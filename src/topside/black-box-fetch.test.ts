import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pino } from "pino";
import { openDiveLog, readRecords } from "../dive-log/reader.ts";
import { DiveRecorder } from "../dive-log/recorder.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { decodeFrame, encodeFrame, FrameEncoder, type Message } from "../protocol/index.ts";
import { sampleTelemetry } from "../protocol/testing/sample-telemetry.ts";
import { BlackBox } from "../vehicle/black-box.ts";
import { BlackBoxFetch } from "./black-box-fetch.ts";

const root = mkdtempSync(join(tmpdir(), "tethys-blackbox-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/**
 * A vehicle sending telemetry at 10 Hz into its black box and (while the tether is up) to the
 * hub; the hub's fetcher and the vehicle's black box talk through the protocol codec, as over the
 * command link. All on a virtual clock.
 */
function rig(o: { slots?: number; linkRoom?: () => boolean } = {}) {
  const clock = new VirtualClock();
  const log = pino({ level: "silent" });
  const dir = join(root, `r${n++}`);
  const recorder = new DiveRecorder({
    dir,
    clock,
    logger: log,
    preMarginMs: 0,
    sync: false,
    freeBytes: async () => 1e12,
  });
  const fetch = new BlackBoxFetch({ clock, logger: log, recorder });
  const box = new BlackBox({ telemetrySlots: o.slots ?? 3000, eventSlots: 100 });
  const encoder = new FrameEncoder();
  let up = true;
  let seq = 0;
  const wire = (m: Message) => decodeFrame(encodeFrame(m, { seq: 0, timestamp: clock.wallMicros() })).message;
  const toVehicle = (m: Message) => {
    const req = wire(m);
    if (req.type !== "blackbox-request") throw new Error("unexpected");
    // The vehicle answers on a later turn of the clock, like a reply over the link.
    clock.setTimer(5, () =>
      box.answer(req, (answer) => {
        if (!up || !(o.linkRoom?.() ?? true)) return false;
        fetch.message("rov-1", wire(answer));
        return true;
      }),
    );
  };
  fetch.connected("rov-1", toVehicle);
  /** `seconds` of 10 Hz telemetry; the hub receives it only while `up`. */
  const run = (seconds: number) => {
    for (let i = 0; i < seconds * 10; i++) {
      const timestamp = clock.wallMicros();
      const bytes = encoder.encode(sampleTelemetry({ armed: true, depth: seq / 10 }), { seq, timestamp });
      box.telemetry(bytes);
      if (up) {
        const f = decodeFrame(bytes);
        recorder.telemetry("rov-1", { message: f.message, seq: f.seq, timestamp: f.timestamp });
        fetch.telemetry("rov-1", f.timestamp);
      }
      seq++;
      clock.advance(100);
    }
  };
  const cut = () => {
    up = false;
    fetch.disconnected("rov-1");
  };
  const restore = () => {
    up = true;
    fetch.connected("rov-1", toVehicle);
  };
  const records = async () => {
    await recorder.close();
    fetch.close();
    const [name] = readdirSync(join(dir, "rov-1"));
    const file = await openDiveLog(join(dir, "rov-1", name as string));
    const out: { seq: number; source: string }[] = [];
    for await (const r of readRecords(file, { topics: ["/telemetry"] }))
      out.push({ seq: r.value.seq as number, source: r.value.source as string });
    await file.close();
    return out;
  };
  return { clock, fetch, box, run, cut, restore, records };
}

test("a 30 s tether cut leaves no gap: the hub fetches the missed frames from the vehicle's black box", async () => {
  const r = rig();
  r.run(20);
  r.cut();
  r.run(30); // 300 frames only the black box sees
  r.restore();
  r.run(10); // the first live frame after the cut reveals the gap
  r.clock.advance(10_000); // pages of 50, one every 500 ms
  assert.equal(r.fetch.pending("rov-1"), 0);
  assert.equal(r.fetch.fetched, 300);
  const got = await r.records();
  assert.deepEqual(
    got.map((x) => x.seq),
    Array.from({ length: 600 }, (_, i) => i),
    "every frame, in order, once",
  );
  assert.equal(got.filter((x) => x.source === "black-box").length, 300);
  assert.ok(got.slice(200, 500).every((x) => x.source === "black-box"));
});

test("a full link pauses the answer; the rest is fetched in the next pages", async () => {
  let room = 0;
  const r = rig({ linkRoom: () => room-- > 0 });
  r.run(5);
  r.cut();
  r.run(10);
  r.restore();
  room = 30; // the first answer stops after 30 frames: the link is full
  r.run(1);
  r.clock.advance(100);
  assert.equal(r.fetch.fetched, 30);
  room = 1e9;
  r.clock.advance(5000);
  assert.equal(r.fetch.fetched, 100);
  assert.equal(new Set((await r.records()).map((x) => x.seq)).size, 160);
});

test("an outage longer than the black box: what it still holds is fetched, and the loss is counted", async () => {
  const r = rig({ slots: 100 });
  r.run(5);
  r.cut();
  r.run(20); // 200 frames, the box keeps the last 100
  r.restore();
  r.run(1);
  r.clock.advance(5000);
  assert.equal(r.fetch.fetched, 99); // the box's last 100 minus the first live frame after the cut
  assert.equal(r.fetch.lost, 1);
  const got = await r.records();
  assert.equal(got.length, 50 + 99 + 10);
});

test("a request unanswered (the link closed under it) is asked again after the timeout", async () => {
  const r = rig();
  r.run(5);
  r.cut();
  r.run(5);
  r.restore();
  r.cut(); // up for a moment only: the request goes, the answer cannot
  r.restore();
  r.run(1);
  r.clock.advance(20_000);
  assert.equal(r.fetch.fetched, 50);
  assert.equal(r.fetch.pending("rov-1"), 0);
});
