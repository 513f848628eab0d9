import assert from "node:assert/strict";
import { test } from "node:test";
import { LinkMonitor } from "./link-monitor.ts";

test("link turns stale within a second of the last telemetry and says so", () => {
  const l = new LinkMonitor(1000);
  assert.equal(l.view(0).state, "offline");
  l.socket(true);
  assert.equal(l.view(0).state, "no-vehicle");
  l.vehicle(true);
  assert.equal(l.view(0).state, "waiting");
  l.telemetry(100, 12.4, 0.5);
  const live = l.view(500);
  assert.equal(live.state, "live");
  assert.equal(live.text, "Live · RTT 12 ms · loss 0.5 %");
  assert.equal(l.view(1100).state, "live");
  const stale = l.view(1101);
  assert.equal(stale.state, "stale");
  assert.equal(stale.text, "STALE — no telemetry for 1.0 s");
  assert.equal(stale.rttMs, null, "no stale RTT figure shown as if current");
});

test("hub loss is reported as offline with the telemetry age", () => {
  const l = new LinkMonitor();
  l.socket(true);
  l.vehicle(true);
  l.telemetry(0, null, null);
  l.socket(false);
  const v = l.view(2500);
  assert.equal(v.state, "offline");
  assert.equal(v.text, "Hub offline — STALE, last telemetry 2.5 s ago");
  assert.equal(v.lost, true, "telemetry had arrived: the pilot is alarmed");
});

test("lost: only once telemetry has arrived and is no longer live, whatever failed; cleared by a reset", () => {
  const l = new LinkMonitor(1000);
  assert.equal(l.view(0).lost, false, "never had telemetry");
  l.socket(true);
  l.vehicle(true);
  assert.equal(l.view(0).lost, false);
  l.telemetry(0, 5, 0);
  assert.equal(l.view(900).lost, false, "live");
  assert.equal(l.view(1500).lost, true, "stale");
  l.telemetry(1600, 5, 0);
  assert.equal(l.view(1700).lost, false, "live again");
  l.vehicle(false);
  assert.equal(l.view(1700).lost, true, "vehicle gone");
  assert.match(l.view(1700).text, /STALE/);
  l.socket(false);
  l.reset();
  assert.equal(l.view(5000).lost, false, "after sign-out nothing is claimed");
});
