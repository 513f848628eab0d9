import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startFleetFixture } from "../../src/topside/testing/fleet-fixture.ts";
import { type Mosquitto, mosquittoSkip, startMosquitto } from "../support/mosquitto.ts";
import { MqttWatch } from "../support/mqtt-watch.ts";

/**
 * Scaling out with mosquitto bridges (docs/fleet.md): a hub publishes on its site broker, the
 * site broker bridges `tethys/v1/#` to a central broker (authenticated as the site), and a
 * subscriber on the central broker sees the vehicle's retained status and its alarms.
 */
let central: Mosquitto;
let site: Mosquitto;

before(async () => {
  if (mosquittoSkip !== undefined) return;
  central = await startMosquitto({
    users: { "site-a": "pw-site", shore: "pw-shore" },
    acl: "user site-a\ntopic readwrite tethys/v1/site-a/#\nuser shore\ntopic read tethys/v1/#\n",
  });
  site = await startMosquitto({
    extra: [
      "connection central",
      `address 127.0.0.1:${central.port}`,
      "topic tethys/v1/# out 1",
      "remote_username site-a",
      "remote_password pw-site",
      "remote_clientid site-a-bridge",
      "cleansession true",
      "restart_timeout 1 2",
    ].join("\n"),
  });
});

after(async () => {
  await site?.dispose();
  await central?.dispose();
});

test("a vehicle's status and alarms cross a site → central mosquitto bridge", {
  skip: mosquittoSkip,
  timeout: 60_000,
}, async () => {
  const shore = await MqttWatch.open(central.url, ["tethys/v1/#"], { username: "shore", password: "pw-shore" });
  const fx = await startFleetFixture(["rov1"], { broker: site.url, site: "site-a" });
  try {
    const online = await shore.next((m) => m.topic === "tethys/v1/site-a/rov1/status" && m.text.includes("link-up"));
    assert.equal(shore.json(online).status, "online");
    const [v] = fx.vehicles as [NonNullable<(typeof fx.vehicles)[0]>];
    v.event({ type: "alarm", severity: "critical", code: "FS_LEAK", active: true, text: "leak" });
    v.event({ type: "alarm", severity: "critical", code: "FS_LEAK", active: false, text: "dry" });
    const cleared = await shore.next(
      (m) => m.topic === "tethys/v1/site-a/rov1/alarms" && m.text.includes('"active":false'),
    );
    assert.equal(shore.json(cleared).code, "FS_LEAK");
    const alarms = shore.messages.filter((m) => m.topic.endsWith("/alarms")).map((m) => shore.json(m).active);
    assert.deepEqual(alarms, [true, false]);
  } finally {
    await fx.stop();
    await shore.close();
  }
});
