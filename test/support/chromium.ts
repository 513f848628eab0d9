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
