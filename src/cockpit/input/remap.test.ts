import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../kernel/errors.ts";
import { type GamepadSnapshot, InputState } from "./input-state.ts";
import { ACTIONS, type Action, DEFAULT_MAPPING, MAX_BUTTON, parseMapping, remapButton } from "./mapping.ts";

const pad = (pressed: number[]): GamepadSnapshot => ({
  axes: [0, 0, 0, 0],
  buttons: Array.from({ length: 17 }, (_, i) => ({ pressed: pressed.includes(i), value: pressed.includes(i) ? 1 : 0 })),
});

test("a remapped button fires its new action; the old mapping is untouched", () => {
  const m = remapButton(DEFAULT_MAPPING, 3, "lights-up");
  assert.equal(DEFAULT_MAPPING.buttons[3], "mode-heading-hold", "the input mapping is not changed");
  const s = new InputState(m);
  assert.deepEqual(s.update(pad([3]), new Set(), 0).actions, ["lights-up"]);
});

test("unbinding a button makes it do nothing", () => {
  const m = remapButton(DEFAULT_MAPPING, 8, null);
  assert.equal(m.buttons[8], undefined);
  assert.deepEqual(new InputState(m).update(pad([8]), new Set(), 0).actions, []);
});

test("a button remapped to arm must still be held for armHoldMs", () => {
  const s = new InputState(remapButton(DEFAULT_MAPPING, 0, "arm"));
  assert.deepEqual(s.update(pad([0]), new Set(), 0).actions, []);
  assert.deepEqual(s.update(pad([0]), new Set(), DEFAULT_MAPPING.armHoldMs).actions, ["arm"]);
});

test("bad button indices and unknown actions are refused with stable codes", () => {
  for (const b of [-1, 32, 1.5, Number.NaN]) {
    assert.throws(
      () => remapButton(DEFAULT_MAPPING, b, "arm"),
      (e) => isTethysError(e, "COCKPIT_MAPPING_BUTTON"),
    );
  }
  assert.throws(
    () => remapButton(DEFAULT_MAPPING, 0, "self-destruct" as Action),
    (e) => isTethysError(e, "COCKPIT_MAPPING_ACTION"),
  );
});

test("property: any sequence of valid remaps survives a save/load round trip (JSON + parseMapping)", () => {
  const remap = fc.record({
    button: fc.integer({ min: 0, max: MAX_BUTTON }),
    action: fc.option(fc.constantFrom(...ACTIONS), { nil: null }),
  });
  fc.assert(
    fc.property(fc.array(remap, { maxLength: 40 }), (ops) => {
      let m = DEFAULT_MAPPING;
      for (const op of ops) m = remapButton(m, op.button, op.action);
      const loaded = parseMapping(JSON.parse(JSON.stringify(m)));
      assert.ok(loaded, "a mapping made by remapButton always loads");
      assert.deepEqual(loaded.buttons, m.buttons);
    }),
  );
});

test("stored mappings with a bad button index are rejected on load", () => {
  const stored = JSON.parse(JSON.stringify(DEFAULT_MAPPING)) as { buttons: Record<string, string> };
  stored.buttons["99"] = "arm";
  assert.equal(parseMapping(stored), undefined);
  stored.buttons = { x: "arm" };
  assert.equal(parseMapping(stored), undefined);
});
