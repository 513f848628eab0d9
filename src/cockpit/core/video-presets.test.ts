import assert from "node:assert/strict";
import { test } from "node:test";
import { presetOf, settingsLabel, VIDEO_PRESETS } from "./video-presets.ts";

test("a camera's settings name their preset, or are shown as they are", () => {
  for (const [i, p] of VIDEO_PRESETS.entries()) assert.equal(presetOf({ ...p.settings }), i, p.label);
  assert.equal(presetOf({ width: 640, height: 360, fps: 30, bitrate_kbps: 1000 }), -1, "another bitrate");
  assert.equal(settingsLabel({ width: 640, height: 360, fps: 30, bitrate_kbps: 1000 }), "640×360 30 fps · 1.0 Mb/s");
});
