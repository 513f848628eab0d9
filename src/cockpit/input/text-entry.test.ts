import assert from "node:assert/strict";
import { test } from "node:test";
import { isTextEntry } from "./text-entry.ts";

test("text fields keep the keyboard; sliders, buttons, selects and the page do not", () => {
  for (const [tag, type] of [
    ["INPUT", null],
    ["input", "text"],
    ["INPUT", "password"],
    ["INPUT", "number"],
    ["TEXTAREA", null],
  ] as const)
    assert.equal(isTextEntry(tag, type), true, `${tag} ${type}`);
  for (const [tag, type] of [
    ["INPUT", "range"],
    ["INPUT", "checkbox"],
    ["INPUT", "button"],
    ["BUTTON", "button"],
    ["SELECT", null],
    ["BODY", null],
    ["DIV", null],
  ] as const)
    assert.equal(isTextEntry(tag, type), false, `${tag} ${type}`);
  assert.equal(isTextEntry("DIV", null, true), true, "contenteditable");
});
