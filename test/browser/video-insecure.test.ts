import assert from "node:assert/strict";
import { test } from "node:test";
import { ONE_SIM_CAMERA } from "../../src/video/testing/cameras.ts";
import { encodeControl, KIND_CAMERAS } from "../../src/video/wire.ts";
import { INSECURE_HOST, insecureOriginRig } from "../support/insecure-origin.ts";

/**
 * A cockpit opened over plain HTTP from another computer is an insecure context, where browsers
 * hide WebCodecs: the video panel must say so and link to the same page on the hub's HTTPS port
 * (`/hub.json`), or say that the hub has none (test/support/insecure-origin.ts: a made-up name
 * on loopback).
 */
const rig = insecureOriginRig("tethys-video-insecure-");
const skip = rig.skip;

/** Opens the cockpit on the insecure name, signs in and has the hub announce a camera; returns the panel's message. */
async function videoMessage(
  httpsPort: number | null,
): Promise<{ text: string; href: string | null; decoder: boolean }> {
  const { hub, port } = await rig.hub({ json: { "/hub.json": { httpsPort } } });
  const page = await rig.browser.newPage();
  try {
    await page.goto(`http://${INSECURE_HOST}:${port}/`);
    await page.fill("#signin-secret", "any");
    await page.click("#signin-form button[type=submit]");
    await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
    hub.socket?.send(encodeControl(KIND_CAMERAS, ONE_SIM_CAMERA));
    await page.waitForFunction(
      () => {
        const panel = document.querySelector<HTMLElement>(".video-panel");
        const text = document.querySelector(".video-message")?.textContent ?? "";
        return panel !== null && !panel.hidden && /HTTPS (at|listener)/.test(text);
      },
      undefined,
      { timeout: 10_000 },
    );
    return {
      text: (await page.textContent(".video-message")) ?? "",
      href: await page.getAttribute(".video-message a", "href").catch(() => null),
      decoder: await page.evaluate(() => typeof (globalThis as { VideoDecoder?: unknown }).VideoDecoder === "function"),
    };
  } finally {
    await page.close();
  }
}

test("an insecure page links to the cockpit on the hub's HTTPS port", { skip }, async () => {
  const m = await videoMessage(8443);
  assert.equal(m.decoder, false, "WebCodecs is hidden on an insecure origin");
  assert.match(m.text, /secure context/);
  assert.equal(m.href, `https://${INSECURE_HOST}:8443/`);
});

test("an insecure page on a hub without HTTPS says how to get it", { skip }, async () => {
  const m = await videoMessage(null);
  assert.match(m.text, /no HTTPS listener.*topside\.https_port/);
  assert.equal(m.href, null);
});
