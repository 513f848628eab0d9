import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { buildCockpit } from "../../src/cockpit/build.ts";
import type { Message, MessageOf } from "../../src/protocol/index.ts";
import { underwayTelemetry } from "../../src/protocol/testing/sample-telemetry.ts";
import { encodeControl, KIND_CAMERAS } from "../../src/video/wire.ts";
import { chromiumMissing, launchChromium } from "../support/chromium.ts";
import { StandInHub, signInScript } from "../support/stand-in-hub.ts";

/**
 * The cockpit tells the truth when things fail, against a scripted stand-in hub: nothing claims a
 * role before sign-in; a sign-in refusal counts down live; after the sliders are touched Space
 * still disarms, flight keys still fly and Space does not scroll; routine events stay apart from
 * alarms, codes come with plain words; and when the hub dies mid-flight everything derived from
 * telemetry is shown stale with its age, the alarm sounds and the role text claims nothing.
 */
const skip = chromiumMissing();
let dir: string;
let browser: Browser;
const hubs: StandInHub[] = [];

const LOCKED_MS = 2500;
const telemetry = (armed: boolean): MessageOf<"telemetry"> => underwayTelemetry({ armed });

/** A stand-in hub granting "letmein" (session 7, pilot access) and locking out "locked". */
async function startHub(): Promise<StandInHub> {
  const grant = signInScript(7, (secret) => secret === "letmein");
  const hub = new StandInHub(dir, (m: Message, h) => {
    if (m.type === "auth" && m.secret === "locked")
      h.send({
        type: "auth-result",
        ok: false,
        session: 0,
        access: "none",
        code: "HUB_AUTH_LOCKED",
        retryAfterMs: LOCKED_MS,
      });
    else grant(m, h);
  });
  await hub.listen();
  hubs.push(hub);
  return hub;
}

async function signInAsPilot(page: Page, hub: StandInHub): Promise<void> {
  await page.goto(hub.url);
  await page.fill("#signin-secret", "letmein");
  await page.click("#signin-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
  await page.click("#take-pilot");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
  hub.send(telemetry(true));
  await page.waitForFunction(() => document.getElementById("link")?.dataset.state === "live");
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tethys-cockpit-honest-"));
  await buildCockpit(dir, { minify: false });
  browser = await launchChromium();
});

after(async () => {
  if (skip) return;
  await browser?.close();
  for (const h of hubs) await h.close();
  await rm(dir, { recursive: true, force: true });
});

test("before sign-in nothing claims a role; a lockout counts down live from retryAfterMs", { skip }, async () => {
  const hub = await startHub();
  const page = await browser.newPage();
  await page.goto(hub.url);
  const guide = (await page.textContent("#guide")) ?? "";
  assert.doesNotMatch(guide, /observing|pilot\b/i, `behind the sign-in form: ${guide}`);
  assert.equal(await page.isVisible("#observe"), false, "no role offered while signed out");
  await page.fill("#signin-secret", "locked");
  await page.click("#signin-form button[type=submit]");
  const shows = (text: string) =>
    page.waitForFunction((t) => document.getElementById("signin-error")?.textContent?.includes(t), text);
  await shows("Too many failed sign-ins from here (HUB_AUTH_LOCKED)");
  await shows("Try again in 2 s");
  await shows("Try again in 1 s");
  await shows("You can try again now");
  await page.close();
});

test("after touching the sliders, Space disarms, flight keys fly and Space does not scroll", { skip }, async () => {
  const hub = await startHub();
  // Short enough to scroll: Space must not.
  const page = await browser.newPage({ viewport: { width: 1000, height: 420 } });
  await signInAsPilot(page, hub);
  // The tilt control works only for a vehicle with a camera on a tilt servo (its camera list).
  assert.equal(await page.isDisabled("#tilt"), true, "no camera list: no tilt");
  hub.socket?.send(
    encodeControl(KIND_CAMERAS, {
      cameras: [
        {
          index: 0,
          name: "front",
          kind: "rpicam",
          state: "live",
          code: "",
          settings: { width: 640, height: 360, fps: 30, bitrate_kbps: 1500 },
          bitrate: true,
          tiltServo: true,
        },
      ],
    }),
  );
  await page.waitForFunction(() => !(document.getElementById("tilt") as HTMLInputElement).disabled);
  const disarms = () => hub.received.filter((m) => m.type === "disarm").length;
  for (const slider of ["#gain", "#lights", "#tilt"]) {
    await page.click(slider);
    assert.equal(await page.evaluate(() => document.activeElement?.id), slider.slice(1));
    const before = disarms();
    await page.evaluate(() => window.scrollTo(0, 0)); // the slider keeps the focus
    await page.keyboard.press("Space");
    await hub.receivedMatching(() => disarms() > before);
    assert.equal(await page.evaluate(() => window.scrollY), 0, `Space scrolled the page (focus on ${slider})`);
  }
  const surged = hub.received.length;
  await page.keyboard.down("KeyW");
  await hub.receivedMatching((m) => m.type === "pilot" && m.surge === 1 && hub.received.length > surged);
  await page.keyboard.up("KeyW");

  // Routine events go to the event log, silent; refusals and alarms to the alarm list, in plain words.
  hub.send({ type: "event", severity: "info", code: "MODE_CHANGED", text: "mode stabilize" });
  hub.send({ type: "error", code: "HUB_PILOT_BUSY", text: "session 9 pilots rov1", ref: 0 });
  await page.waitForFunction(() => document.getElementById("events")?.textContent?.includes("MODE_CHANGED"));
  await page.waitForFunction(() => document.getElementById("alarms")?.textContent?.includes("Someone else is flying"));
  assert.doesNotMatch((await page.textContent("#alarms")) ?? "", /MODE_CHANGED/);
  await page.close();
});

test("the hub dies mid-flight: telemetry shown stale with its age, alarm sounding, no role claimed", {
  skip,
}, async () => {
  const hub = await startHub();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await signInAsPilot(page, hub);
  await page.waitForFunction(() => document.getElementById("armed")?.textContent === "ARMED");
  assert.equal(await page.evaluate(() => (window as unknown as Tethys).tethys.alarmSounding()), false);

  const closing = hub.close();
  hub.socket?.terminate();
  await closing;
  await page.waitForFunction(() => document.getElementById("link")?.dataset.state === "offline");
  await page.waitForFunction(() => document.getElementById("cockpit")?.dataset.telemetry === "stale");
  assert.equal(await page.getAttribute("#link", "data-lost"), "true");
  assert.match((await page.textContent("#link")) ?? "", /STALE/);
  assert.match(
    (await page.textContent("#telemetry-age")) ?? "",
    /last known values, [\d.]+ s old \(the hub is offline\)/,
  );
  assert.equal(await page.isVisible("#telemetry-age"), true);
  const opacity = await page.evaluate(() =>
    Number(getComputedStyle(document.getElementById("armed") as Element).opacity),
  );
  assert.ok(opacity < 1, `ARMED banner dimmed (opacity ${opacity})`);
  assert.equal(await page.evaluate(() => (window as unknown as Tethys).tethys.alarmSounding()), true);
  assert.match((await page.textContent("#alarms")) ?? "", /No live telemetry.*COCKPIT_TELEMETRY_LOST/);
  assert.equal(await page.textContent("#role"), "hub offline");
  assert.doesNotMatch((await page.textContent("#vehicles")) ?? "", /connected/, "no stale vehicle state as current");
  assert.doesNotMatch((await page.textContent("#guide")) ?? "", /observing|You are the pilot|Armed\./);
  await page.close();
});

interface Tethys {
  tethys: { alarmSounding(): boolean };
}
