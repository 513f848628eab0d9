import assert from "node:assert/strict";
import { test } from "node:test";
import { gamepadSupport } from "./gamepad-support.ts";

const nav = (getGamepads?: () => unknown): Navigator =>
  (getGamepads === undefined ? {} : { getGamepads }) as unknown as Navigator;

test("gamepads work when the API is there and answers", () => {
  assert.deepEqual(
    gamepadSupport(
      nav(() => [null]),
      true,
    ),
    { ok: true },
  );
  assert.deepEqual(
    gamepadSupport(
      nav(() => [null]),
      false,
    ),
    { ok: true },
    "no false warning on an insecure origin that keeps the API",
  );
});

test("no API outside a secure context: says so, points to HTTPS, keeps the keyboard", () => {
  const r = gamepadSupport(nav(), false);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.reason, "insecure-context");
  assert.match(!r.ok ? r.text : "", /over HTTPS/);
  assert.match(!r.ok ? r.text : "", /keyboard works/);
});

test("no API in a secure context: the browser has no gamepad support", () => {
  const r = gamepadSupport(nav(), true);
  assert.equal(!r.ok && r.reason, "no-api");
});

test("getGamepads throwing (permissions policy) is reported, not thrown", () => {
  const r = gamepadSupport(
    nav(() => {
      throw Object.assign(new Error("disallowed by permissions policy"), { name: "SecurityError" });
    }),
    true,
  );
  assert.equal(!r.ok && r.reason, "blocked-by-policy");
  assert.match(!r.ok ? r.text : "", /SecurityError/);
});
