import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import type { Browser } from "playwright-core";
import { buildCockpit } from "../../src/cockpit/build.ts";
import type { Message } from "../../src/protocol/index.ts";
import { chromiumMissing, launchChromium } from "./chromium.ts";
import { StandInHub, signInScript } from "./stand-in-hub.ts";

/**
 * Cockpit tests on an insecure origin. Chromium treats localhost and all of 127.0.0.0/8 as
 * potentially trustworthy, so no loopback URL is insecure; it resolves a made-up name to
 * 127.0.0.1 instead (--host-resolver-rules), so `http://cockpit.tethys.test:PORT` is an ordinary
 * insecure origin while every byte stays on loopback.
 *
 * `insecureOriginRig(prefix)` registers the file's before/after hooks: the cockpit built into a
 * temporary directory, one Chromium, and stand-in hubs (`hub()`) closed at the end.
 */
export const INSECURE_HOST = "cockpit.tethys.test";

export interface InsecureOriginRig {
  /** Why the tests skip (no Chromium), or undefined. */
  readonly skip: string | undefined;
  readonly browser: Browser;
  /** A stand-in hub serving the cockpit (signInScript(3) by default); its port. */
  hub(options?: {
    headers?: Record<string, string>;
    json?: Record<string, unknown>;
    respond?: (m: Message, hub: StandInHub) => void;
  }): Promise<{ hub: StandInHub; port: string }>;
}

export function insecureOriginRig(prefix: string): InsecureOriginRig {
  const skip = chromiumMissing();
  const hubs: StandInHub[] = [];
  let dir = "";
  let browser: Browser | undefined;
  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), prefix));
    await buildCockpit(dir, { minify: false });
    browser = await launchChromium([`--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`]);
  });
  after(async () => {
    if (skip) return;
    await browser?.close();
    for (const h of hubs) await h.close();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    skip,
    get browser(): Browser {
      if (browser === undefined) throw new Error("the rig's browser is started in before()");
      return browser;
    },
    async hub(o = {}) {
      const h = new StandInHub(dir, o.respond ?? signInScript(3), { headers: o.headers, json: o.json });
      hubs.push(h);
      return { hub: h, port: new URL(await h.listen()).port };
    },
  };
}
