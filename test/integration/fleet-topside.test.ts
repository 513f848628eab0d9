import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import pino from "pino";
import { Registry } from "prom-client";
import { parseConfig } from "../../src/config/load.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { generateKeys } from "../../src/keys/generate.ts";
import { startTopside } from "../../src/topside/service.ts";
import { mosquittoSkip, startMosquitto } from "../support/mosquitto.ts";
import { MqttWatch } from "../support/mqtt-watch.ts";

/**
 * `tethys topside` with `[fleet]`: the service starts the bridge for every configured vehicle,
 * on TLS with the pinned CA and a password file named relative to the config file, and serves
 * its metrics; a vehicle whose link is not up is published offline (link-down).
 */
test("startTopside with [fleet] publishes each configured vehicle and serves tethys_fleet_* metrics", {
  skip: mosquittoSkip,
  timeout: 60_000,
}, async () => {
  const broker = await startMosquitto({
    tls: true,
    users: { hub1: "pw-hub1", shore: "pw-shore" },
    acl: "user hub1\ntopic readwrite tethys/v1/dock/rov7/#\nuser shore\ntopic read tethys/v1/#\n",
  });
  const dir = await mkdtemp(join(tmpdir(), "tethys-fleet-topside-"));
  try {
    await generateKeys({ dir: join(dir, "keys"), vehicleId: "rov7", configDir: dir });
    await writeFile(join(dir, "broker-ca.pem"), broker.caPem ?? "");
    await writeFile(join(dir, "mqtt.pass"), "pw-hub1\n");
    const snippet = await readFile(join(dir, "keys", "topside.snippet.toml"), "utf8");
    const text = [
      "[topside]",
      "http_port = 0",
      "command_port = 0",
      "telemetry_port = 0",
      snippet,
      "[fleet]",
      `broker = "${broker.url}"`,
      'site = "dock"',
      'ca = "broker-ca.pem"',
      'username = "hub1"',
      'password_file = "mqtt.pass"',
    ].join("\n");
    const file = join(dir, "topside.toml");
    await writeFile(file, text);
    const { config } = parseConfig(text, file);
    const watch = await MqttWatch.open(broker.url, ["tethys/v1/#"], {
      username: "shore",
      password: "pw-shore",
      ca: broker.caPem,
    });
    const registry = new Registry();
    const svc = await startTopside({
      config: config.topside as NonNullable<typeof config.topside>,
      configFile: file,
      clock: new RealClock(),
      logger: pino({ level: "silent" }),
      registry,
      fleet: config.fleet,
      software: "0.1.0",
    });
    try {
      const status = await watch.next((m) => m.topic === "tethys/v1/dock/rov7/status");
      assert.deepEqual([watch.json(status).status, watch.json(status).reason], ["offline", "link-down"]);
      const state = await watch.next((m) => m.topic === "tethys/v1/dock/rov7/state");
      assert.equal(watch.json(state).armed, null);
      const metrics = await registry.metrics();
      assert.match(metrics, /tethys_fleet_connected\{vehicle="rov7"\} 1/);
      assert.match(metrics, /tethys_fleet_events_dropped_total\{vehicle="rov7"\} 0/);
    } finally {
      await svc.stop();
    }
    const stopped = await watch.next((m) => m.topic === "tethys/v1/dock/rov7/status" && m.text.includes("hub-stopped"));
    assert.equal(watch.json(stopped).status, "offline");
    await watch.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
    await broker.dispose();
  }
});
