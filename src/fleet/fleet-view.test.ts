import assert from "node:assert/strict";
import { test } from "node:test";
import { FleetView, renderFleetTable } from "./fleet-view.ts";

const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const T0 = 1_767_225_600_000;

test("the view folds status, state, telemetry and alarms; alarms de-duplicated by id", () => {
  const v = new FleetView();
  const base = "tethys/v1/site-a/rov1";
  assert.ok(v.apply(`${base}/status`, enc({ v: 1, status: "online", reason: "link-up", hub: "h", at: T0 }), 0));
  const state = {
    v: 1,
    armed: true,
    mode: "depth-hold",
    failsafes: [],
    software: "0.1.0",
    configHash: "0123456789abcdef",
    pilot: "Ada",
    at: T0,
  };
  assert.ok(v.apply(`${base}/state`, enc(state), 0));
  const tel = {
    v: 1,
    depth: 12.5,
    heading: 90,
    battery: { voltage: 15.8, current: 3, consumedWh: 1 },
    leak: false,
    waterTemperature: 12,
    link: { rttMs: 3, lossPercent: 0 },
    at: T0,
  };
  assert.ok(v.apply(`${base}/telemetry`, enc(tel), 0));
  const alarm = { v: 1, id: "abc-1", severity: "critical", code: "FS_LEAK", text: "leak", at: T0, active: true };
  assert.ok(v.apply(`${base}/alarms`, enc(alarm), 0));
  assert.ok(v.apply(`${base}/alarms`, enc(alarm), 0));
  assert.equal(v.duplicates, 1);
  assert.ok(
    v.apply("tethys/v1/site-b/rov2/status", enc({ v: 1, status: "offline", reason: "hub-lost", hub: "h", at: T0 }), 0),
  );
  const [r1, r2] = v.rows();
  assert.deepEqual(
    { status: r1?.status, armed: r1?.armed, mode: r1?.mode, depth: r1?.depth, alarms: r1?.alarms },
    { status: "online", armed: true, mode: "depth-hold", depth: 12.5, alarms: ["FS_LEAK"] },
  );
  assert.equal(r2?.status, "offline");
  assert.ok(v.apply(`${base}/alarms`, enc({ ...alarm, id: "abc-2", active: false }), 0));
  assert.deepEqual(v.rows()[0]?.alarms, []);
});

test("messages outside the tree or with bad payloads are refused and counted, never thrown", () => {
  const v = new FleetView(1);
  assert.equal(v.apply("other/topic", enc({}), 0), false);
  assert.equal(v.apply("tethys/v1/s/r/request", enc({ v: 1, what: "state" }), 0), false);
  assert.equal(v.apply("tethys/v1/s/r/status", new Uint8Array([0xff]), 0), false);
  assert.equal(v.refused, 3);
  assert.ok(v.apply("tethys/v1/s/r/status", enc({ v: 1, status: "online", reason: "link-up", hub: "h", at: 1 }), 0));
  assert.equal(
    v.apply("tethys/v1/s/r2/status", enc({ v: 1, status: "online", reason: "link-up", hub: "h", at: 1 }), 0),
    false,
  );
  assert.equal(v.ignoredVehicles, 1);
});

test("the table renders every column, unknown values as -, ages in words", () => {
  const v = new FleetView();
  v.apply("tethys/v1/site-a/rov1/status", enc({ v: 1, status: "online", reason: "link-up", hub: "h", at: 1 }), 0);
  v.apply(
    "tethys/v1/site-a/rov1/alarms",
    enc({ v: 1, id: "a-1", severity: "alarm", code: "FS_LEAK", text: "", at: 1, active: true }),
    0,
  );
  v.apply(
    "tethys/v1/site-b/rov2/status",
    enc({ v: 1, status: "offline", reason: "hub-lost", hub: "h", at: 1 }),
    -125_000,
  );
  const text = renderFleetTable(v.rows(), 500);
  assert.equal(
    text,
    [
      "VEHICLE  SITE    HUB  ONLINE  ARMED  MODE  DEPTH  BATTERY  ALARMS   LAST SEEN",
      "rov1     site-a  h    yes     -      -     -      -        FS_LEAK  now",
      "rov2     site-b  h    NO      -      -     -      -        -        2 min ago",
      "",
    ].join("\n"),
  );
  assert.match(renderFleetTable([], 0), /no vehicles yet/);
});
