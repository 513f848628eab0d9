import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { buildCockpit } from "../../src/cockpit/build.ts";
import { underwayTelemetry } from "../../src/protocol/testing/sample-telemetry.ts";
import { encodeControl, KIND_CAMERAS, KIND_WATCH } from "../../src/video/wire.ts";
import { browserRig, chromiumMissing } from "../support/chromium.ts";
import { pilotUnderway } from "../support/cockpit-system.ts";
import { StandInHub, signInScript } from "../support/stand-in-hub.ts";

/**
 * The cockpit with video, against a scripted stand-in hub that relays video (it sends the
 * vehicle's camera list). At 1440×900 and 1920×1080 the page is one screen: the picture is the
 * main view — the largest thing on the page, at the top left, with the HUD canvas over it, 16:9
 * and growing with the window — and every column reaches down to the bottom of the window with
 * no blank band under or between its sections, without scrolling. On a small laptop's window
 * (1200×700, 1280×720, 1366×768) the page does not scroll either: the picture, its HUD, the link
 * badge, the armed state, the modes, the instruments, the failsafes and the alarms are wholly in
 * view (inside the window and inside any box that scrolls), the picture beside the instruments
 * and not under them, while the Controls card scrolls inside its own column. Below 1200 px wide
 * the picture stays above the instruments. The same page without video keeps its layout
 * (test/browser/cockpit-layout.test.ts).
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

/** The sections of the page, each a block of its column. */
const SECTIONS = ["#video-panel", "#guide", ".flight", ".status", ".controls", ".plots"];
/** The page's padding is 10 px and its gaps 10 px: more than this between boxes is a blank band. */
const MAX_BLANK_PX = 16;

let built: Promise<unknown> | undefined;

/** Signs a pilot in at `width`×`height`, has the hub relay video, and waits for the laid-out page. */
async function withVideo(
  width: number,
  height: number,
  check: (page: Page, hub: StandInHub) => Promise<void>,
): Promise<void> {
  const dir = `${rig.dir}/cockpit`;
  built ??= buildCockpit(dir, { minify: false });
  await built;
  const hub = new StandInHub(dir, signInScript(7));
  await hub.listen();
  const page = await rig.browser.newPage({ viewport: { width, height } });
  try {
    await pilotUnderway(page, hub);
    await check(page, hub);
  } finally {
    await page.close(); // its WebSocket first: the stand-in hub's close waits for it
    await hub.close();
  }
}

/** Shows the video panel (the hub's camera list) and waits until the plot has followed the layout. */
async function relayVideo(page: Page, hub: StandInHub): Promise<void> {
  hub.socket?.send(encodeControl(KIND_CAMERAS, CAMERAS));
  await page.waitForSelector("#video-panel", { state: "visible" });
  await plotFits(page);
  assert.ok(
    hub.receivedVideo.some((m) => m[1] === KIND_WATCH),
    "the page asked the hub for the camera",
  );
}

/**
 * Resolves once the chart shown, legend included, fits inside its host (it follows the layout);
 * fails, saying where the chart ends, if it has not after 10 s.
 */
const plotFits = async (page: Page): Promise<void> => {
  const fits = () => {
    const plot = document.querySelector("#plot .uplot") as HTMLElement | null;
    const host = (document.getElementById("plot") as HTMLElement).getBoundingClientRect();
    const r = plot?.getBoundingClientRect();
    return r !== undefined && r.width <= host.width + 1 && r.bottom <= host.bottom + 1;
  };
  const fitted = await page.waitForFunction(fits, undefined, { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
  if (!fitted) {
    const [chart, host] = await boxes(page, ["#plot .uplot", "#plot"]);
    assert.fail(
      `the chart (to ${chart?.right}, ${chart?.bottom}) never fitted its host (to ${host?.right}, ${host?.bottom})`,
    );
  }
};

/** Boxes grouped into columns (boxes that overlap horizontally), each sorted top to bottom. */
function columns(all: Box[]): Box[][] {
  const cols: Box[][] = [];
  for (const b of [...all].sort((x, y) => x.left - y.left)) {
    const col = cols.find((c) => c.some((o) => b.left < o.right && o.left < b.right));
    if (col) col.push(b);
    else cols.push([b]);
  }
  for (const c of cols) c.sort((x, y) => x.top - y.top);
  return cols;
}

/** The picture's box, and that it is the page's main view (the largest section, top left, HUD over it). */
async function mainView(page: Page, width: number, height: number): Promise<Box> {
  const watched = ["#plot", "#horizon", "#depth", "#heading", "#thrusters", "#input-monitor", "#armed", ".video-hud"];
  const all = await boxes(page, [...SECTIONS, ...watched, ".video-picture"]);
  const box = (id: string) => all.find((b) => b.id === id) as Box;
  for (const b of all) {
    assert.ok(b.bottom <= height, `${b.id} ends at ${b.bottom} px, the window at ${height}`);
    assert.ok(b.right <= width, `${b.id} ends at ${b.right} px across, the window at ${width}`);
  }
  assert.equal(await page.evaluate(() => scrollY), 0);
  assert.deepEqual(
    await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]),
    [width, height],
    "the page does not scroll either way",
  );
  const area = (b: Box) => (b.right - b.left) * (b.bottom - b.top);
  const video = box("#video-panel");
  for (const id of SECTIONS.slice(1))
    assert.ok(
      area(video) > area(box(id)),
      `the picture (${area(video)} px²) is larger than ${id} (${area(box(id))} px²)`,
    );
  assert.ok(video.left < box(".flight").left && video.top <= box(".flight").top + 1, "the picture is at the top left");
  const hud = box(".video-hud");
  assert.ok(hud.left >= video.left && hud.right <= video.right && hud.top >= video.top, "the HUD is over the picture");
  const picture = box(".video-picture");
  const aspect = (picture.right - picture.left) / (picture.bottom - picture.top);
  assert.ok(Math.abs(aspect - 16 / 9) < 0.01, `the picture is 16:9 (${aspect.toFixed(3)})`);
  return picture;
}

/** No column leaves a blank band under its last section or between two of its sections. */
async function noBlankBands(page: Page, height: number): Promise<void> {
  const cols = columns(await boxes(page, SECTIONS));
  assert.equal(cols.length, 3, `three columns: ${cols.map((c) => c.map((b) => b.id).join(" + ")).join(" | ")}`);
  for (const col of cols) {
    const names = col.map((b) => b.id).join(" + ");
    const last = col[col.length - 1] as Box;
    assert.ok(
      height - last.bottom <= MAX_BLANK_PX,
      `${height - last.bottom} px blank under ${last.id} (column ${names}); at most ${MAX_BLANK_PX}`,
    );
    for (let i = 1; i < col.length; i++) {
      const [a, b] = [col[i - 1] as Box, col[i] as Box];
      assert.ok(b.top - a.bottom <= MAX_BLANK_PX, `${b.top - a.bottom} px blank between ${a.id} and ${b.id}`);
    }
  }
}

/**
 * What is not wholly in view of each element, in words (none: all in view): outside the window,
 * or cut by a box that clips or scrolls its content (a column scrolled, or too short for it).
 */
const notInView = (page: Page, selectors: string[]): Promise<string[]> =>
  page.evaluate(
    (list) =>
      list.flatMap((sel) => {
        const el = document.querySelector(sel) as HTMLElement | null;
        if (el === null) return [`${sel} is missing`];
        const r = el.getBoundingClientRect();
        const where = `${sel} (${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)})`;
        if (r.width < 1 || r.height < 1) return [`${where} has no size`];
        if (r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5)
          return [`${where} is outside the ${innerWidth}×${innerHeight} window`];
        for (let a = el.parentElement; a !== null && a !== document.body; a = a.parentElement) {
          const style = getComputedStyle(a);
          if (style.overflowX === "visible" && style.overflowY === "visible") continue;
          const box = a.getBoundingClientRect();
          const top = box.top + a.clientTop;
          const left = box.left + a.clientLeft;
          if (
            r.top < top - 0.5 ||
            r.left < left - 0.5 ||
            r.bottom > top + a.clientHeight + 0.5 ||
            r.right > left + a.clientWidth + 0.5
          )
            return [
              `${where} is cut by ${a.tagName.toLowerCase()}.${a.className} (${Math.round(top)}–${Math.round(top + a.clientHeight)})`,
            ];
        }
        return [];
      }),
    selectors,
  );

/** What a pilot must see at any size: the picture and HUD, link, armed state, modes, instruments, failsafes, alarms. */
const ESSENTIALS = [
  ".video-picture",
  ".video-hud",
  ".video-badge",
  "#link",
  "#armed",
  "#arm",
  "#disarm",
  "#mode",
  ".modes",
  "#heading",
  "#horizon",
  "#depth",
  "#failsafes",
  "#alarm-ack",
  "#alarms",
];

/** Small laptops' windows, each with the picture's least width there. */
const SMALL = [
  { width: 1200, height: 700, pictureAtLeast: 560 },
  { width: 1280, height: 720, pictureAtLeast: 600 },
  { width: 1366, height: 768, pictureAtLeast: 660 },
];
for (const { width, height, pictureAtLeast } of SMALL) {
  test(`${width}×${height} with video: one screen, everything a pilot needs in view, the cards scroll in their column`, {
    skip,
    timeout: 60_000,
  }, async () => {
    await withVideo(width, height, async (page, hub) => {
      await relayVideo(page, hub);
      for (let i = 0; i < 12; i++)
        hub.send({ type: "alarm", severity: "alarm", code: `FS_TEST_${i}`, active: true, text: `test alarm ${i}` });
      hub.send(underwayTelemetry({ armed: true, failsafe: ["FS_LEAK", "FS_PILOT_INPUT"] }));
      await page.waitForFunction(() =>
        document.getElementById("alarms")?.firstElementChild?.textContent?.includes("test alarm 11"),
      );
      await page.waitForFunction(() => (document.getElementById("failsafes")?.children.length ?? 0) === 2);
      // The stand-in hub sends no more telemetry: the status column grows its stale line on top,
      // its tallest state, which must not push the alarms out of view either.
      await page.waitForSelector("#telemetry-age", { state: "visible" });

      const picture = await mainView(page, width, height);
      await noBlankBands(page, height);
      const wide = picture.right - picture.left;
      assert.ok(wide >= pictureAtLeast, `the picture is ${wide} px wide, at least ${pictureAtLeast} expected`);
      assert.deepEqual(
        await notInView(page, [...ESSENTIALS, "#telemetry-age"]),
        [],
        "everything a pilot needs is wholly in view",
      );
      // The newest alarm, both failsafes and at least three lines of the alarm list are shown.
      assert.deepEqual(
        await notInView(page, [
          "#alarms > li:first-child",
          "#failsafes > li:nth-child(1)",
          "#failsafes > li:nth-child(2)",
        ]),
        [],
      );
      const [listHeight, line] = await page.evaluate(() => {
        const list = document.getElementById("alarms") as HTMLElement;
        return [list.clientHeight, Number.parseFloat(getComputedStyle(list).lineHeight)];
      });
      assert.ok(listHeight >= 3 * line - 1, `the alarm list is ${listHeight} px high, three lines are ${3 * line} px`);

      // The picture is beside the instruments' column, not under it, and that column beside the status.
      const all = await boxes(page, ["#video-panel", ".flight", ".controls", ".status"]);
      const box = (id: string) => all.find((b) => b.id === id) as Box;
      const video = box("#video-panel");
      for (const id of [".flight", ".controls"])
        assert.ok(
          video.right <= box(id).left,
          `the picture (to ${video.right} px) and ${id} (from ${box(id).left} px) do not overlap`,
        );
      assert.ok(box(".flight").right <= box(".status").left, "the instruments and the status do not overlap");

      // The Controls card is reached by scrolling its column: the page stays put, the essentials in view.
      await page.locator("#target-heading-form").scrollIntoViewIfNeeded();
      assert.deepEqual(
        await notInView(page, ["#gain", "#target-heading-form"]),
        [],
        "the Controls card scrolled into view",
      );
      assert.equal(await page.evaluate(() => scrollY), 0, "the page itself did not scroll");
      assert.deepEqual(await notInView(page, ESSENTIALS), []);

      // The Checks dialog fits the window and scrolls inside itself to its last button.
      await page.click("#checks-open");
      await page.waitForSelector("#checks form", { state: "visible" });
      await page.locator("#checks button[type=submit]").scrollIntoViewIfNeeded();
      assert.deepEqual(await notInView(page, ["#checks form", "#checks button[type=submit]"]), []);
      assert.equal(await page.evaluate(() => scrollY), 0, "the page itself did not scroll");
      await page.click("#checks button[type=submit]");
      await page.waitForSelector("#checks", { state: "hidden" });
    });
  });
}

/** Wide windows, each with the picture's least width there (it grows with the window). */
const WIDE = [
  { width: 1440, height: 900, pictureAtLeast: 720 },
  { width: 1920, height: 1080, pictureAtLeast: 1100 },
];
for (const { width, height, pictureAtLeast } of WIDE) {
  test(`${width}×${height} with video: the picture is the main view, every column fills the height, nothing scrolls`, {
    skip,
    timeout: 60_000,
  }, async () => {
    await withVideo(width, height, async (page, hub) => {
      const withoutVideo = await boxes(page, ["#plot"]);
      assert.ok((withoutVideo[0] as Box).bottom <= height, "without video the plot was on screen too");
      await relayVideo(page, hub);
      await noBlankBands(page, height);
      const picture = await mainView(page, width, height);
      const wide = picture.right - picture.left;
      assert.ok(wide >= pictureAtLeast, `the picture is ${wide} px wide, at least ${pictureAtLeast} expected`);
      // The chart with the longest legend (eight thrusters) fits the same space.
      await page.click('[data-plot="thrusters"]');
      await plotFits(page);
      await noBlankBands(page, height);
    });
  });
}

test("1100×900 with video: the stacked layout, the picture above the instruments", {
  skip,
  timeout: 60_000,
}, async () => {
  await withVideo(1100, 900, async (page, hub) => {
    await relayVideo(page, hub);
    const all = await boxes(page, SECTIONS);
    const box = (id: string) => all.find((b) => b.id === id) as Box;
    const video = box("#video-panel");
    assert.ok(video.bottom <= box(".flight").top, "the picture is above the instruments");
    assert.equal(video.left, box(".flight").left, "in the same column");
    assert.ok(box(".status").left >= video.right, "the status column beside them");
    for (const id of [".flight", "#guide", ".controls", ".plots"])
      assert.ok(box(id).right <= box(".status").left, `${id} is in the first column`);
    // The page scrolls to the cards under the instruments; the pilot's essentials are in view at its top.
    assert.deepEqual(await notInView(page, ESSENTIALS), [], "everything a pilot needs is wholly in view");
  });
});
