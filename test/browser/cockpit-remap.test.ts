import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { buildCockpit } from "../../src/cockpit/build.ts";
import { chromiumMissing, launchChromium } from "../support/chromium.ts";
import { installFakeGamepad, setPad, signIn } from "../support/cockpit-system.ts";
import { StandInHub, signInScript } from "../support/stand-in-hub.ts";

/**
 * Gamepad button remapping, saved per browser: a pilot binds Y to "lights up" in the settings;
 * pressing Y then sends a lights command, the binding survives a reload, and another browser
 * profile still has the defaults.
 */
const skip = chromiumMissing();
let dir: string;
let hub: StandInHub;
let browser: Browser;
let url: string;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tethys-cockpit-remap-"));
  await buildCockpit(dir, { minify: false });
  hub = new StandInHub(dir, signInScript(5));
  url = await hub.listen();
  browser = await launchChromium();
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await hub?.close();
  await rm(dir, { recursive: true, force: true });
});

async function asPilot(page: Page): Promise<void> {
  await signIn(page, url, "any", "pilot");
  await page.click("#take-pilot");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
}

const lightsSent = () => hub.received.filter((m) => m.type === "lights").length;

/** Presses and releases the fake pad's button; resolves when the hub has one more lights command. */
async function pressForLights(page: Page, button: number): Promise<void> {
  const before = lightsSent();
  await setPad(page, [0, 0, 0, 0], [button]);
  await hub.receivedMatching((m) => m.type === "lights" && lightsSent() > before);
  await setPad(page, [0, 0, 0, 0]);
}

test("a remapped gamepad button works, survives a reload, and stays in this browser", { skip }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await installFakeGamepad(page);
  await asPilot(page);

  await page.click("#settings-open");
  assert.equal(await page.inputValue('select[data-button="3"]'), "mode-heading-hold", "Y starts on its default");
  await page.selectOption('select[data-button="3"]', "lights-up");
  await page.click('#settings button[type="submit"]');
  const modesBefore = hub.received.filter((m) => m.type === "mode").length;
  await pressForLights(page, 3);
  assert.equal(hub.received.filter((m) => m.type === "mode").length, modesBefore, "Y no longer changes the mode");

  await page.reload();
  await asPilot(page);
  await page.click("#settings-open");
  assert.equal(await page.inputValue('select[data-button="3"]'), "lights-up", "the binding was saved in this browser");
  await page.click('#settings button[type="submit"]');
  await pressForLights(page, 3);

  const other = await (await browser.newContext()).newPage();
  await signIn(other, url, "any", "other");
  await other.click("#settings-open");
  assert.equal(
    await other.inputValue('select[data-button="3"]'),
    "mode-heading-hold",
    "another browser profile keeps the defaults",
  );
  await other.context().close();
  assert.deepEqual(errors, []);
  await ctx.close();
});
