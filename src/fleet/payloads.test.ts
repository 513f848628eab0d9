import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../kernel/errors.ts";
import { sampleTelemetry } from "../protocol/testing/sample-telemetry.ts";
import { decodeFleetPayload, encodeFleetPayload, fleetEventId, MAX_FLEET_PAYLOAD } from "./payloads.ts";
import { TOPIC_KINDS } from "./topics.ts";
import { eventPayload, stateFromTelemetry, statePayload, telemetryPayload } from "./vehicle-payloads.ts";

const HUB = { software: "0.1.0", configHash: "0123456789abcdef" };

test("payloads built from a vehicle's frames decode back unchanged", () => {
  const t = { ...sampleTelemetry(), armed: true, mode: "stabilize" as const, failsafe: ["FS_LEAK"] };
  const state = statePayload(stateFromTelemetry(t, "Ada"), HUB, 1_767_225_600_000);
  assert.deepEqual(decodeFleetPayload("state", encodeFleetPayload("state", state)), state);
  const tel = telemetryPayload(t, 1_767_225_600_000);
  assert.deepEqual(decodeFleetPayload("telemetry", encodeFleetPayload("telemetry", tel)), tel);
  const a = eventPayload(
    { type: "alarm", severity: "critical", code: "FS_LEAK", active: true, text: "leak" },
    1.7e15,
    42,
  );
  assert.equal(a.kind, "alarms");
  assert.deepEqual(decodeFleetPayload("alarms", encodeFleetPayload("alarms", a.payload as never)), a.payload);
  const e = eventPayload({ type: "event", severity: "info", code: "MODE", text: "x" }, 1.7e15, 43);
  assert.equal(e.kind, "events");
  assert.notEqual(e.payload.id, a.payload.id);
});

test("event ids are stable for a frame and differ between frames", () => {
  assert.equal(fleetEventId(1.7e15, 7), fleetEventId(1.7e15, 7));
  assert.notEqual(fleetEventId(1.7e15, 7), fleetEventId(1.7e15, 8));
  assert.notEqual(fleetEventId(1.7e15, 7), fleetEventId(1.7e15 + 1, 7));
});

test("bad payloads are FLEET_BAD_PAYLOAD naming the problem", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const bad = (kind: (typeof TOPIC_KINDS)[number], s: string | Uint8Array, re: RegExp) =>
    assert.throws(
      () => decodeFleetPayload(kind, typeof s === "string" ? enc(s) : s),
      (e) => isTethysError(e, "FLEET_BAD_PAYLOAD") && re.test(e.message),
    );
  bad("request", '{"v":1,"what":"arm"}', /what/);
  bad("request", '{"v":2,"what":"state"}', /v/);
  bad("status", '{"v":1,"status":"online","reason":"link-up","hub":"h","at":1,"extra":1}', /refused/);
  bad("alarms", "not json", /JSON/);
  bad("events", new Uint8Array([0xff, 0xfe]), /UTF-8/);
  bad("state", new Uint8Array(MAX_FLEET_PAYLOAD + 1), /exceeds/);
  assert.deepEqual(decodeFleetPayload("request", enc('{"v":1,"what":"state"}')), { v: 1, what: "state" });
});

test("any bytes on any topic kind: a payload or FLEET_BAD_PAYLOAD, nothing else", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...TOPIC_KINDS),
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.json().map((j) => new TextEncoder().encode(j)),
      ),
      (kind, bytes) => {
        try {
          decodeFleetPayload(kind, bytes);
          return true;
        } catch (e) {
          return isTethysError(e, "FLEET_BAD_PAYLOAD");
        }
      },
    ),
  );
});

test("telemetryChangesState agrees with building the state and comparing", async () => {
  const { sameState, telemetryChangesState } = await import("./vehicle-payloads.ts");
  const t = { ...sampleTelemetry(), armed: true, failsafe: ["FS_A"] };
  const s = stateFromTelemetry(t, "Ada");
  assert.equal(telemetryChangesState(s, t, "Ada"), false);
  const cases: [typeof t, string | null][] = [
    [{ ...t, armed: false }, "Ada"],
    [{ ...t, mode: t.mode === "manual" ? "heading-hold" : "manual" }, "Ada"],
    [{ ...t, failsafe: ["FS_B"] }, "Ada"],
    [{ ...t, failsafe: [] }, "Ada"],
    [t, null],
  ];
  for (const [t2, p] of cases) {
    assert.equal(telemetryChangesState(s, t2, p), true);
    assert.equal(sameState(s, stateFromTelemetry(t2, p)), false);
  }
});
