import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { sampleTelemetry } from "../../src/protocol/testing/sample-telemetry.ts";
import { INSECURE_HOST, insecureOriginRig } from "../support/insecure-origin.ts";
import type { StandInHub } from "../support/stand-in-hub.ts";

/**
 * The page must tell the pilot plainly when a gamepad cannot work, and keep flying by keyboard.
 *
 * Insecure origins: a made-up name on loopback (test/support/insecure-origin.ts), where the page
 * links to the hub's HTTPS address from /hub.json. Chromium keeps the Gamepad API there (the W3C spec dropped its
 * secure-context requirement), so the page must NOT warn; Firefox 81+ hid it, which the test
 * reproduces by removing navigator.getGamepads before the page loads.
 * Permissions policy: served with `Permissions-Policy: gamepad=()`, Chromium's getGamepads()
 * throws a SecurityError — a real blocked context.
 */
const rig = insecureOriginRig("tethys-cockpit-gamepad-");
const skip = rig.skip;
/** A stand-in hub (whose HTTPS listener is on 8443) with extra response headers. */
const hub = (headers: Record<string, string> = {}) => rig.hub({ headers, json: { "/hub.json": { httpsPort: 8443 } } });

/** Signs in, takes the pilot role and checks W still sends full surge (the keyboard works). */
async function fliesByKeyboard(page: Page, h: StandInHub): Promise<void> {
  await page.fill("#signin-secret", "any");
  await page.click("#signin-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
  await page.click("#take-pilot");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
  await page.keyboard.down("KeyW");
  await h.receivedMatching((m) => m.type === "pilot" && m.surge === 1);
  await page.keyboard.up("KeyW");
}

test("insecure origin in a browser that hides gamepads there: a plain warning, and the keyboard flies", {
  skip,
}, async () => {
  const { hub: h, port } = await hub();
  const page = await rig.browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.addInitScript(() => {
    // What Firefox 81+ does outside a secure context.
    if (!window.isSecureContext) delete (Navigator.prototype as { getGamepads?: unknown }).getGamepads;
  });
  await page.goto(`http://${INSECURE_HOST}:${port}/`);
  assert.equal(await page.evaluate(() => window.isSecureContext), false, "the made-up name is an insecure origin");
  await page.waitForSelector("#secure-warning:not([hidden])");
  assert.equal(await page.getAttribute("#secure-warning", "data-reason"), "insecure-context");
  const warning = (await page.textContent("#secure-warning")) ?? "";
  assert.match(warning, /Gamepads cannot work here/);
  assert.match(warning, /keyboard works/);
  // The hub's HTTPS address, from /hub.json, as a link.
  await page.waitForSelector("#secure-warning a");
  assert.equal(await page.getAttribute("#secure-warning a", "href"), `https://${INSECURE_HOST}:8443/`);
  await fliesByKeyboard(page, h);
  assert.equal(await page.textContent("#gamepad-status"), "Gamepad unavailable (see the banner)");
  assert.deepEqual(errors, []);
  await page.close();
});

test("insecure origin in Chromium, which keeps gamepads there: no false warning", {
  skip,
}, async () => {
  const { port } = await hub();
  const page = await rig.browser.newPage();
  await page.goto(`http://${INSECURE_HOST}:${port}/`);
  assert.equal(await page.evaluate(() => window.isSecureContext), false);
  assert.equal(await page.evaluate(() => Array.isArray(navigator.getGamepads())), true);
  await page.waitForFunction(() =>
    (document.getElementById("gamepad-status")?.textContent ?? "").startsWith("No gamepad"),
  );
  assert.equal(await page.isVisible("#secure-warning"), false);
  await page.close();
});

test("gamepads blocked by permissions policy: a plain warning, and the page keeps running", {
  skip,
}, async () => {
  const { hub: h, port } = await hub({ "permissions-policy": "gamepad=()" });
  const page = await rig.browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${port}/`);
  assert.equal(await page.evaluate(() => window.isSecureContext), true);
  await page.waitForSelector("#secure-warning:not([hidden])");
  assert.equal(await page.getAttribute("#secure-warning", "data-reason"), "blocked-by-policy");
  assert.match((await page.textContent("#secure-warning")) ?? "", /permissions policy blocks them/);
  await fliesByKeyboard(page, h);
  // The frame loop is alive: the link indicator follows telemetry.
  h.send(sampleTelemetry({ depth: 1, heading: 0 }));
  await page.waitForFunction(() => document.getElementById("link")?.dataset.state === "live");
  assert.deepEqual(errors, []);
  await page.close();
});
