import assert from "node:assert/strict";
import { test } from "node:test";
import { type GamepadSnapshot, InputState } from "./input-state.ts";
import { DEFAULT_MAPPING, keyRampMs, parseMapping } from "./mapping.ts";

function pad(axes: number[] = [0, 0, 0, 0], pressed: number[] = []): GamepadSnapshot {
  return {
    axes,
    buttons: Array.from({ length: 17 }, (_, i) => ({
      pressed: pressed.includes(i),
      value: pressed.includes(i) ? 1 : 0,
    })),
  };
}

test("right stick up is full forward surge; left stick up ascends (negative heave)", () => {
  const s = new InputState(DEFAULT_MAPPING);
  const r = s.update(pad([0, -1, 0, -1]), new Set(), 0);
  assert.equal(r.axes.surge, 1);
  assert.equal(r.axes.heave, -1);
  assert.equal(r.source, "gamepad");
});

test("stick noise inside the deadzone sends nothing", () => {
  const s = new InputState(DEFAULT_MAPPING);
  const r = s.update(pad([0.03, -0.05, 0.02, 0.04]), new Set(), 0);
  assert.deepEqual(Object.values(r.axes), [0, 0, 0, 0, 0, 0]);
  assert.equal(r.source, "none");
});

test("keyboard fallback: W forward, D yaw right, F down (full once the key ramp is over)", () => {
  const s = new InputState(DEFAULT_MAPPING);
  s.update(null, new Set(["KeyW", "KeyD", "KeyF"]), 0);
  const r = s.update(null, new Set(["KeyW", "KeyD", "KeyF"]), keyRampMs(DEFAULT_MAPPING));
  assert.equal(r.axes.surge, 1);
  assert.equal(r.axes.yaw, 1);
  assert.equal(r.axes.heave, 1);
  assert.equal(r.source, "keyboard");
});

test("buttons fire once per press", () => {
  const s = new InputState(DEFAULT_MAPPING);
  assert.deepEqual(s.update(pad(undefined, [1]), new Set(), 0).actions, ["mode-depth-hold"]);
  assert.deepEqual(s.update(pad(undefined, [1]), new Set(), 16).actions, []);
  assert.deepEqual(s.update(pad(), new Set(), 32).actions, []);
  assert.deepEqual(s.update(pad(undefined, [1]), new Set(), 48).actions, ["mode-depth-hold"]);
});

test("arm needs a deliberate hold; releasing early does nothing; fires once", () => {
  const s = new InputState(DEFAULT_MAPPING);
  assert.deepEqual(s.update(null, new Set(["Enter"]), 0).actions, []);
  const half = s.update(null, new Set(["Enter"]), 500);
  assert.equal(half.armProgress, 0.5);
  assert.deepEqual(half.actions, []);
  s.update(null, new Set(), 600);
  assert.deepEqual(s.update(null, new Set(["Enter"]), 700).actions, [], "hold restarts after release");
  assert.deepEqual(s.update(null, new Set(["Enter"]), 1700).actions, ["arm"]);
  assert.deepEqual(s.update(null, new Set(["Enter"]), 2500).actions, [], "fires once per hold");
  s.update(null, new Set(), 2600);
  assert.deepEqual(s.update(pad(undefined, [9]), new Set(), 3000).actions, []);
  assert.deepEqual(s.update(pad(undefined, [9]), new Set(), 4000).actions, ["arm"], "gamepad Start held");
});

test("disarm is immediate on Space or Back", () => {
  const s = new InputState(DEFAULT_MAPPING);
  assert.deepEqual(s.update(null, new Set(["Space"]), 0).actions, ["disarm"]);
  assert.deepEqual(s.update(pad(undefined, [8]), new Set(), 10).actions, ["disarm"]);
});

test("stored mappings are validated before use", () => {
  assert.deepEqual(parseMapping(JSON.parse(JSON.stringify(DEFAULT_MAPPING))), DEFAULT_MAPPING);
  assert.equal(parseMapping({ ...DEFAULT_MAPPING, armHoldMs: 0 }), undefined, "arm must stay deliberate");
  assert.equal(parseMapping({ ...DEFAULT_MAPPING, buttons: { 0: "self-destruct" } }), undefined);
  assert.equal(
    parseMapping({
      ...DEFAULT_MAPPING,
      axes: { surge: { axis: 99, sign: 1, shape: { deadzone: 0, expo: 0, invert: false } } },
    }),
    undefined,
  );
  assert.equal(parseMapping("nope"), undefined);
});

test("keys ramp: a tap is a small input, a held key grows to full, release is neutral at once", () => {
  const s = new InputState({ ...DEFAULT_MAPPING, keyRampMs: 1000 });
  const f = new Set(["KeyF"]);
  assert.equal(s.update(null, f, 0).axes.heave, 0);
  assert.equal(s.update(null, f, 100).axes.heave, 0.1);
  assert.equal(s.update(null, new Set(), 116).axes.heave, 0);
  s.update(null, f, 200);
  assert.equal(s.update(null, f, 700).axes.heave, 0.5);
  assert.equal(s.update(null, f, 1200).axes.heave, 1);
  // R and F together cancel; W keeps its own ramp
  assert.equal(s.update(null, new Set(["KeyF", "KeyR", "KeyW"]), 1300).axes.heave, 0);
  assert.equal(s.update(null, new Set(["KeyW"]), 1800).axes.surge, 0.5);
  s.setMapping({ ...DEFAULT_MAPPING, keyRampMs: 0 });
  assert.equal(s.update(null, new Set(["KeyR"]), 1816).axes.heave, -1, "ramp 0: on/off keys");
});

test("a stored mapping without a key ramp gets the default; a bad ramp is refused", () => {
  const { keyRampMs: _, ...old } = JSON.parse(JSON.stringify(DEFAULT_MAPPING));
  const m = parseMapping(old);
  assert.ok(m);
  assert.equal(keyRampMs(m), keyRampMs(DEFAULT_MAPPING));
  assert.equal(parseMapping({ ...DEFAULT_MAPPING, keyRampMs: -5 }), undefined);
  assert.equal(parseMapping({ ...DEFAULT_MAPPING, keyRampMs: "fast" }), undefined);
});
