import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * Debian's Chromium driven by playwright-core (no browser download). Tests skip with a clear
 * reason when it is not installed (`.ci/run` installs it). Flags keep it off this machine's
 * closed network and out of the sandbox that root cannot use.
 */
export const CHROMIUM_PATH = process.env.TETHYS_CHROMIUM ?? "/usr/bin/chromium";

export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM_PATH)
    ? false
    : `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set TETHYS_CHROMIUM)`;
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
