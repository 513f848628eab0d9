import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { buildCockpit } from "../../src/cockpit/build.ts";
import { encodeControl, KIND_CAMERAS, KIND_WATCH } from "../../src/video/wire.ts";
import { browserRig, chromiumMissing } from "../support/chromium.ts";
import { pilotUnderway } from "../support/cockpit-system.ts";
import { StandInHub, signInScript } from "../support/stand-in-hub.ts";

/**
 * The cockpit at 1440×900 with video, against a scripted stand-in hub that relays video (it
 * sends the vehicle's camera list): the picture is the main view — the largest thing on the
 * page, at the top left, with the HUD canvas over it — and the instruments, thrusters, input
 * monitor and plots are all on screen without scrolling. The same page without video keeps its
 * layout (test/browser/cockpit-layout.test.ts).
 */
const skip = chromiumMissing();
const rig = browserRig("tethys-video-layout-", skip);

type Box = { id: string; left: number; top: number; right: number; bottom: number };
const boxes = (page: Page, selectors: string[]): Promise<Box[]> =>
  page.evaluate(
    (list) =>
      list.map((sel) => {
        const r = (document.querySelector(sel) as HTMLElement).getBoundingClientRect();
        return {
          id: sel,
          left: Math.round(r.left + scrollX),
          top: Math.round(r.top + scrollY),
          right: Math.round(r.right + scrollX),
          bottom: Math.round(r.bottom + scrollY),
        };
      }),
    selectors,
  );

const CAMERAS = {
  cameras: [
    {
      index: 0,
      name: "front",
      kind: "sim" as const,
      state: "live" as const,
      code: "",
      settings: { width: 1280, height: 720, fps: 30, bitrate_kbps: 3000 },
      bitrate: true,
    },
  ],
};

test("1440×900 with video: the picture is the main view, instruments and plots on screen without scrolling", {
  skip,
  timeout: 60_000,
}, async () => {
  const dir = `${rig.dir}/cockpit`;
  await buildCockpit(dir, { minify: false });
  const hub = new StandInHub(dir, signInScript(7));
  await hub.listen();
  const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await pilotUnderway(page, hub);
    const withoutVideo = await boxes(page, ["#plot"]);

    // The hub relays video: its camera list shows the panel, and the page asks to watch.
    hub.socket?.send(encodeControl(KIND_CAMERAS, CAMERAS));
    await page.waitForSelector("#video-panel", { state: "visible" });
    await page.waitForFunction(() => {
      const plot = document.querySelector("#plot .uplot") as HTMLElement | null;
      const host = document.getElementById("plot") as HTMLElement;
      return plot !== null && plot.getBoundingClientRect().width <= host.getBoundingClientRect().width + 1;
    });
    assert.ok(
      hub.receivedVideo.some((m) => m[1] === KIND_WATCH),
      "the page asked the hub for the camera",
    );

    const sections = ["#video-panel", ".flight", ".status", ".controls", ".plots"];
    const watched = ["#plot", "#horizon", "#depth", "#heading", "#thrusters", "#input-monitor", "#armed", ".video-hud"];
    const all = await boxes(page, [...sections, ...watched]);
    const box = (id: string) => all.find((b) => b.id === id) as Box;
    for (const b of all) {
      assert.ok(b.bottom <= 900, `${b.id} ends at ${b.bottom} px, the window at 900`);
      assert.ok(b.right <= 1440, `${b.id} ends at ${b.right} px across, the window at 1440`);
    }
    assert.equal(await page.evaluate(() => scrollY), 0);
    assert.equal(
      await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth),
      true,
      "no sideways scroll",
    );

    const area = (b: Box) => (b.right - b.left) * (b.bottom - b.top);
    const video = box("#video-panel");
    for (const id of sections.slice(1))
      assert.ok(
        area(video) > area(box(id)),
        `the picture (${area(video)} px²) is larger than ${id} (${area(box(id))} px²)`,
      );
    assert.ok(
      video.left < box(".flight").left && video.top <= box(".flight").top + 1,
      "the picture is at the top left",
    );
    assert.ok(video.right - video.left >= 640, `the picture is ${video.right - video.left} px wide`);
    const hud = box(".video-hud");
    assert.ok(
      hud.left >= video.left && hud.right <= video.right && hud.top >= video.top,
      "the HUD is over the picture",
    );
    assert.ok((withoutVideo[0] as Box).bottom <= 900, "without video the plot was on screen too");
  } finally {
    await page.close(); // its WebSocket first: the stand-in hub's close waits for it
    await hub.close();
  }
});
