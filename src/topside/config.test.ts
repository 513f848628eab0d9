import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../config/load.ts";
import { hubOptionsFromConfig } from "./config.ts";
import { DEFAULT_LIMITS } from "./limits.ts";

test("[topside] defaults map to the hub's default limits, with authentication required", () => {
  const { config } = parseConfig("[topside]\n", "t.toml");
  assert.ok(config.topside);
  const o = hubOptionsFromConfig(config.topside);
  assert.deepEqual(o.auth, { pilotHashes: [], observerHashes: [], anonymousObservers: false });
  assert.equal(o.staticDir, undefined);
  assert.deepEqual([o.host, o.port], ["127.0.0.1", 8080]);
  for (const k of ["maxMessageBytes", "messagesPerSecond", "messageBurst", "sendBufferBytes", "maxBrowsers"] as const) {
    assert.equal(o.limits[k], DEFAULT_LIMITS[k], k);
  }
});

test("[topside] values reach the hub options; out-of-range limits are config errors", () => {
  const { config } = parseConfig(
    '[topside]\nstatic_dir = "cockpit/dist"\n[topside.auth]\nanonymous_observers = true\n[topside.limits]\nmessages_per_second = 20\nmax_browsers = 3\n',
    "t.toml",
  );
  assert.ok(config.topside);
  const o = hubOptionsFromConfig(config.topside);
  assert.equal(o.staticDir, "cockpit/dist");
  assert.equal(o.auth.anonymousObservers, true);
  assert.deepEqual([o.limits.messagesPerSecond, o.limits.messageBurst, o.limits.maxBrowsers], [20, 10, 3]);
  assert.throws(() => parseConfig("[topside.limits]\nmax_message_bytes = 10\n", "t.toml"), /max_message_bytes/);
});
