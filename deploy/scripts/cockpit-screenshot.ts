// Regenerates docs/images/cockpit.png: starts the whole simulated system (as `npm start` does),
// signs in to the cockpit in headless Chromium with the one-time link `tethys sim` prints, takes
// the pilot role, arms and flies forward while turning, with the simulated camera's picture under
// the HUD, and takes a screenshot at 1440×900 (or the size given).
// `node deploy/scripts/cockpit-screenshot.ts [out.png] [WIDTHxHEIGHT]`
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSimSystem } from "../../src/cli/sim-system.ts";
import { launchChromium } from "../../test/support/chromium.ts";

const out = process.argv[2] ?? new URL("../../docs/images/cockpit.png", import.meta.url).pathname;
const size = /^(\d{3,4})x(\d{3,4})$/.exec(process.argv[3] ?? "1440x900");
if (size === null) {
  process.stderr.write(`size must be WIDTHxHEIGHT, e.g. 1366x650, got ${process.argv[3]}\n`);
  process.exit(2);
}
const viewport = { width: Number(size[1]), height: Number(size[2]) };
const dir = await mkdtemp(join(tmpdir(), "tethys-shot-"));
let stop!: () => void;
const until = new Promise<void>((r) => {
  stop = r;
});
let ready!: (i: { loginUrl: string }) => void;
const started = new Promise<{ loginUrl: string }>((r) => {
  ready = r;
});
const system = runSimSystem({ dir, httpPort: 0, until, onReady: ready, out: () => {}, video: {} });
const { loginUrl } = await started;
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport });
  await page.goto(loginUrl);
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
  await page.click("#take-pilot");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
  await page.keyboard.down("Enter");
  await page.waitForFunction(() => document.getElementById("armed")?.textContent === "ARMED");
  await page.keyboard.up("Enter");
  await page.keyboard.down("KeyW");
  await page.keyboard.down("KeyF");
  await page.keyboard.press("Equal"); // gain up to 70 %
  await page.keyboard.press("Equal");
  await page.waitForFunction(
    () =>
      ((window as unknown as { tethys: { state: { telemetry?: { depth: number } } } }).tethys.state.telemetry?.depth ??
        0) > 1.5,
    undefined,
    { timeout: 20_000 },
  );
  await page.keyboard.up("KeyF");
  await page.keyboard.down("KeyD");
  await page.waitForFunction(() => document.querySelectorAll("#plot .u-over").length > 0);
  await page.waitForFunction(
    () => document.querySelector(".video-badge")?.textContent?.startsWith("● LIVE"),
    undefined,
    {
      timeout: 20_000,
    },
  );
  await page.waitForTimeout(1500); // let the plot fill for the picture (a screenshot, not a test)
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: out });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  stop();
  await system;
  await rm(dir, { recursive: true, force: true });
}
