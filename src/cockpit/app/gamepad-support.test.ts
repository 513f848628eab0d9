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
      "localhost",
    ),
    { ok: true },
  );
  assert.deepEqual(
    gamepadSupport(
      nav(() => [null]),
      false,
      "rov.local",
    ),
    { ok: true },
    "no false warning on an insecure origin that keeps the API",
  );
});

test("no API outside a secure context: says so, names HTTPS on this host, keeps the keyboard", () => {
  const r = gamepadSupport(nav(), false, "rov.local");
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.reason, "insecure-context");
  assert.match(!r.ok ? r.text : "", /https:\/\/rov\.local/);
  assert.match(!r.ok ? r.text : "", /keyboard works/);
});

test("no API in a secure context: the browser has no gamepad support", () => {
  const r = gamepadSupport(nav(), true, "localhost");
  assert.equal(!r.ok && r.reason, "no-api");
});

test("getGamepads throwing (permissions policy) is reported, not thrown", () => {
  const r = gamepadSupport(
    nav(() => {
      throw Object.assign(new Error("disallowed by permissions policy"), { name: "SecurityError" });
    }),
    true,
    "localhost",
  );
  assert.equal(!r.ok && r.reason, "blocked-by-policy");
  assert.match(!r.ok ? r.text : "", /SecurityError/);
});
