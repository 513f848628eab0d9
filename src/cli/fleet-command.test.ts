import assert from "node:assert/strict";
import { test } from "node:test";
import { type Mosquitto, mosquittoSkip, startMosquitto } from "../../test/support/mosquitto.ts";
import { MqttWatch } from "../../test/support/mqtt-watch.ts";
import { startFleetFixture } from "../topside/testing/fleet-fixture.ts";
import { runMain } from "./testing/run-main.ts";

const run = runMain;

test("tethys fleet refuses a broker that is not an mqtt(s) URL", async () => {
  const r = await run(["fleet", "--broker", "http://example.net"]);
  assert.equal(r.code, 1);
  assert.match(r.err, /--broker http:\/\/example\.net: expected mqtt:\/\/host:port/);
  const s = await run(["fleet", "--broker", "mqtt://127.0.0.1:1", "--site", "A/B"]);
  assert.equal(s.code, 1);
  assert.match(s.err, /--site A\/B/);
});

test("tethys fleet --once shows every vehicle a hub publishes", { skip: mosquittoSkip, timeout: 60_000 }, async () => {
  const broker: Mosquitto = await startMosquitto();
  const fx = await startFleetFixture(
    ["rov1", "rov2"],
    { broker: broker.url, site: "site-a" },
    { pilots: { rov1: "Ada" } },
  );
  try {
    const [v1] = fx.vehicles as [NonNullable<(typeof fx.vehicles)[0]>];
    const watch = await MqttWatch.open(broker.url, ["tethys/v1/site-a/+/state"]);
    v1.telemetry({ armed: true, mode: "stabilize" });
    await watch.next((m) => m.topic.endsWith("/rov1/state") && m.text.includes('"armed":true'));
    await watch.close();
    const r = await run(["fleet", "--broker", broker.url, "--once", "--vehicles", "2", "--wait", "20000"]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split("\n");
    assert.match(
      lines[0] ?? "",
      /^VEHICLE\s+SITE\s+HUB\s+ONLINE\s+ARMED\s+MODE\s+DEPTH\s+BATTERY\s+ALARMS\s+LAST SEEN$/,
    );
    assert.match(r.out, /rov1\s+site-a\s+hub\s+yes\s+ARMED\s+stabilize/);
    assert.match(r.out, /rov2\s+site-a\s+hub\s+yes/);
  } finally {
    await fx.stop();
    await broker.dispose();
  }
});
