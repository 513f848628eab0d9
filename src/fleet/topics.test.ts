import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../kernel/errors.ts";
import { fleetFilter, fleetTopics, parseFleetTopic } from "./topics.ts";

test("a vehicle's topics follow tethys/v1/<site>/<vehicle>/<kind> and parse back", () => {
  const t = fleetTopics("site-a", "rov1");
  assert.equal(t.status, "tethys/v1/site-a/rov1/status");
  assert.equal(t.alarms, "tethys/v1/site-a/rov1/alarms");
  for (const topic of Object.values(t)) {
    const p = parseFleetTopic(topic);
    assert.equal(p?.site, "site-a");
    assert.equal(p?.vehicle, "rov1");
  }
  assert.equal(fleetFilter(), "tethys/v1/+/+/+");
  assert.equal(fleetFilter("site-a"), "tethys/v1/site-a/+/+");
});

test("segments that could hold wildcards or separators are refused with FLEET_BAD_TOPIC", () => {
  for (const bad of ["", "+", "#", "a/b", "A", "-x", "x".repeat(33), "rov 1"]) {
    assert.throws(
      () => fleetTopics(bad, "rov1"),
      (e) => isTethysError(e, "FLEET_BAD_TOPIC"),
    );
    assert.throws(
      () => fleetTopics("site", bad),
      (e) => isTethysError(e, "FLEET_BAD_TOPIC"),
    );
  }
});

test("parseFleetTopic returns undefined for anything outside the tree, never throws", () => {
  for (const t of ["tethys/v2/a/b/status", "tethys/v1/a/b", "tethys/v1/a/b/arm", "tethys/v1/a/b/status/x", "x"])
    assert.equal(parseFleetTopic(t), undefined);
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const p = parseFleetTopic(s);
      return p === undefined || `tethys/v1/${p.site}/${p.vehicle}/${p.kind}` === s;
    }),
  );
});
