import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { buildCockpit } from "../../src/cockpit/build.ts";
import { ONE_SIM_CAMERA } from "../../src/video/testing/cameras.ts";
import { encodeControl, KIND_CAMERAS } from "../../src/video/wire.ts";
import { chromiumMissing, launchChromium } from "../support/chromium.ts";
import { StandInHub, signInScript } from "../support/stand-in-hub.ts";

/**
 * A cockpit opened over plain HTTP from another computer is an insecure context, where browsers
 * hide WebCodecs: the video panel must say so and link to the same page on the hub's HTTPS port
 * (`/hub.json`), or say that the hub has none. The insecure origin is a made-up name Chromium
 * resolves to 127.0.0.1 (as in cockpit-gamepad-context.test.ts): every byte stays on loopback.
 */
const skip = chromiumMissing();
let dir: string;
const hubs: StandInHub[] = [];
let browser: Browser;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tethys-video-insecure-"));
  await buildCockpit(dir, { minify: false });
  browser = await launchChromium(["--host-resolver-rules=MAP cockpit.tethys.test 127.0.0.1"]);
});

after(async () => {
  if (skip) return;
  await browser?.close();
  for (const h of hubs) await h.close();
  await rm(dir, { recursive: true, force: true });
});

/** Opens the cockpit on the insecure name, signs in and has the hub announce a camera; returns the panel's message. */
async function videoMessage(
  httpsPort: number | null,
): Promise<{ text: string; href: string | null; decoder: boolean }> {
  const hub = new StandInHub(dir, signInScript(3), { json: { "/hub.json": { httpsPort } } });
  hubs.push(hub);
  const port = new URL(await hub.listen()).port;
  const page = await browser.newPage();
  try {
    await page.goto(`http://cockpit.tethys.test:${port}/`);
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
  assert.equal(m.href, "https://cockpit.tethys.test:8443/");
});

test("an insecure page on a hub without HTTPS says how to get it", { skip }, async () => {
  const m = await videoMessage(null);
  assert.match(m.text, /no HTTPS listener.*topside\.https_port/);
  assert.equal(m.href, null);
});
