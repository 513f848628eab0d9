import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { requireTool } from "./tools.ts";

/**
 * Debian's Chromium driven by playwright-core (no browser download). Tests skip with a clear
 * reason when it is not installed (`.ci/run` installs it). Flags keep it off this machine's
 * closed network and out of the sandbox that root cannot use.
 */
export const CHROMIUM_PATH = process.env.TETHYS_CHROMIUM ?? "/usr/bin/chromium";

/** The skip reason when Chromium is missing (see `requireTool`), else undefined. */
export function chromiumMissing(): string | undefined {
  const missing = requireTool(CHROMIUM_PATH, "chromium");
  return missing === undefined ? undefined : `${missing}; or set TETHYS_CHROMIUM`;
}

/** Launches headless Chromium; playwright gives it a fresh temporary profile. `extraArgs` add
 *  command-line switches (e.g. --host-resolver-rules to give loopback a non-local name). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/** What a browser test file shares: one Chromium and one temporary folder for its systems. */
export interface BrowserRig {
  readonly browser: Browser;
  readonly dir: string;
}

/**
 * Registers the file's `before`/`after` hooks: Chromium launched and a temporary folder made
 * (named from `prefix`) before its tests, both closed and removed after; nothing when `skip`
 * holds a reason. The returned rig is filled in by the time a test runs.
 */
export function browserRig(prefix: string, skip: string | undefined): BrowserRig {
  const rig = {} as { browser: Browser; dir: string };
  before(async () => {
    if (skip) return;
    rig.browser = await launchChromium();
    rig.dir = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    if (skip) return;
    await rig.browser?.close();
    if (rig.dir !== undefined) await rm(rig.dir, { recursive: true, force: true });
  });
  return rig;
}
