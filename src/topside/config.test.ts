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

test("[topside] HTTP, /metrics access, pilot reserve and sign-in limits reach the hub options", () => {
  const defaults = hubOptionsFromConfig(parseConfig("[topside]\n", "t.toml").config.topside ?? assert.fail());
  assert.deepEqual(defaults.http, { maxRequestsPerSocket: 8, metricsAccess: "loopback" });
  assert.equal(defaults.limits.pilotReserve, DEFAULT_LIMITS.pilotReserve);
  assert.deepEqual(defaults.authFailureLimits, { maxFailures: 5, windowMs: 60_000, lockMs: 60_000, maxKeys: 4096 });
  const { config } = parseConfig(
    '[topside]\nmetrics_access = "token"\nmetrics_token = "0123456789abcdef0123"\n[topside.auth]\nmax_failures = 3\nlock_ms = 5000\n[topside.limits]\npilot_reserve = 2\nmax_requests_per_socket = 4\n',
    "t.toml",
  );
  const o = hubOptionsFromConfig(config.topside ?? assert.fail());
  assert.deepEqual(o.http, { maxRequestsPerSocket: 4, metricsAccess: "token", metricsToken: "0123456789abcdef0123" });
  assert.equal(o.limits.pilotReserve, 2);
  assert.deepEqual([o.authFailureLimits.maxFailures, o.authFailureLimits.lockMs], [3, 5000]);
  assert.throws(() => parseConfig('[topside]\nmetrics_token = "short"\n', "t.toml"), /16 characters/);
  assert.throws(() => parseConfig('[topside]\nmetrics_access = "everyone"\n', "t.toml"), /metrics_access/);
});
