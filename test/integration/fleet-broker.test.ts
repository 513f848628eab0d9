import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { TethysError } from "../../src/kernel/errors.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { FleetSession, type FleetSessionOptions } from "../../src/links/mqtt/fleet-session.ts";
import { startFleetFixture } from "../../src/topside/testing/fleet-fixture.ts";
import { type Mosquitto, mosquittoSkip, startMosquitto } from "../support/mosquitto.ts";
import { MqttWatch } from "../support/mqtt-watch.ts";

/**
 * The fleet bridge on a real mosquitto: TLS with the CA pinned, a password per vehicle, an ACL
 * giving each vehicle only its own subtree and a read-only monitor (docs/fleet.md).
 */
const USERS = { rov1: "pw-rov1", rov2: "pw-rov2", monitor: "pw-monitor" };
const ACL = `user rov1
topic readwrite tethys/v1/site-a/rov1/#
topic write replies/#
user rov2
topic readwrite tethys/v1/site-a/rov2/#
topic write replies/#
user monitor
topic read tethys/v1/#
topic write tethys/v1/+/+/request
topic write tethys/v1/+/+/command
topic write tethys/v1/+/+/arm
topic readwrite replies/#
`;

function sessionOptions(broker: Mosquitto, over: Partial<FleetSessionOptions>): FleetSessionOptions {
  return {
    url: broker.url,
    clientId: `test-${Math.random().toString(36).slice(2)}`,
    ...(broker.caPem === undefined ? {} : { ca: Buffer.from(broker.caPem) }),
    protocol: "auto",
    keepaliveS: 10,
    connectTimeoutMs: 5000,
    backoff: { initialMs: 50, maxMs: 200 },
    maxBacklogBytes: 1 << 20,
    ...over,
  };
}

describe("fleet bridge on mosquitto (TLS, passwords, ACL)", { skip: mosquittoSkip, timeout: 60_000 }, () => {
  let broker: Mosquitto;
  let monitor: MqttWatch;
  before(async () => {
    broker = await startMosquitto({ users: USERS, acl: ACL, tls: true });
    monitor = await MqttWatch.open(broker.url, ["tethys/v1/#", "replies/#"], {
      username: "monitor",
      password: USERS.monitor,
      ca: broker.caPem,
    });
  });
  after(async () => {
    await monitor?.close();
    await broker?.dispose();
  });

  test("status, state, telemetry, events and alarms reach a subscriber, valid and versioned", async () => {
    const fx = await startFleetFixture(
      ["rov1"],
      { broker: broker.url, site: "site-a", ca: broker.caFile, telemetry_period_s: 0.1 },
      { passwords: { rov1: USERS.rov1 }, pilots: { rov1: "Ada" } },
    );
    try {
      const [v] = fx.vehicles as [NonNullable<(typeof fx.vehicles)[0]>];
      const online = await monitor.next(
        (m) => m.topic === "tethys/v1/site-a/rov1/status" && m.text.includes('"online"'),
      );
      assert.deepEqual(
        { ...monitor.json(online), at: 0 },
        { v: 1, status: "online", reason: "link-up", hub: "hub", at: 0 },
      );
      v.telemetry({ armed: true, mode: "depth-hold", failsafe: ["FS_LEAK"], depth: 12.5 });
      const state = await monitor.next((m) => m.topic.endsWith("/rov1/state") && m.text.includes('"armed":true'));
      const s = monitor.json(state);
      assert.equal(s.mode, "depth-hold");
      assert.deepEqual(s.failsafes, ["FS_LEAK"]);
      assert.equal(s.pilot, "Ada");
      assert.equal(s.software, "0.1.0");
      assert.match(String(s.configHash), /^[0-9a-f]{16}$/);
      const tel = await monitor.next((m) => m.topic.endsWith("/rov1/telemetry"));
      assert.equal(monitor.json(tel).depth, 12.5);
      assert.equal(tel.properties?.messageExpiryInterval, 30);
      v.event({ type: "alarm", severity: "critical", code: "FS_LEAK", active: true, text: "leak in the main tube" });
      v.event({ type: "event", severity: "info", code: "MODE", text: "depth hold" });
      const alarm = monitor.json(await monitor.next((m) => m.topic.endsWith("/rov1/alarms")));
      assert.equal(alarm.code, "FS_LEAK");
      assert.equal(alarm.active, true);
      assert.match(String(alarm.id), /^[0-9a-z]+-\d+$/);
      const event = monitor.json(await monitor.next((m) => m.topic.endsWith("/rov1/events")));
      assert.equal(event.code, "MODE");
      assert.notEqual(event.id, alarm.id);
      // Retained: a late subscriber gets status and state at once.
      const late = await MqttWatch.open(broker.url, ["tethys/v1/site-a/rov1/+"], {
        username: "monitor",
        password: USERS.monitor,
        ca: broker.caPem,
      });
      const retained = await late.next((m) => m.topic.endsWith("/state") && m.retain);
      assert.equal(late.json(retained).armed, true);
      await late.close();
      // The vehicle's link drops: status says so.
      v.setConnected(false);
      const down = await monitor.next((m) => m.topic.endsWith("/rov1/status") && m.text.includes('"link-down"'));
      assert.equal(monitor.json(down).status, "offline");
    } finally {
      await fx.stop();
    }
    const stopped = await monitor.next((m) => m.topic.endsWith("/rov1/status") && m.text.includes('"hub-stopped"'));
    assert.equal(monitor.json(stopped).status, "offline");
  });

  test("a wrong password is a clear FLEET_AUTH_FAILED, retried, and crashes nothing", async () => {
    const s = new FleetSession(sessionOptions(broker, { username: "rov1", password: "wrong" }), new RealClock());
    const errors: TethysError[] = [];
    const twice = new Promise<void>((resolve) =>
      s.on("down", (e) => {
        errors.push(e);
        if (errors.length === 2) resolve();
      }),
    );
    s.start();
    await twice;
    await s.stop();
    assert.ok(
      errors.every((e) => e.code === "FLEET_AUTH_FAILED"),
      errors.map((e) => e.code).join(),
    );
    assert.match(errors[0]?.message ?? "", /credentials/);
    assert.equal(s.up, false);
  });

  test("a CA that is not the broker's is refused (FLEET_TLS)", async () => {
    const other = await startMosquitto({ tls: true });
    try {
      const s = new FleetSession(
        sessionOptions(broker, { username: "rov1", password: USERS.rov1, ca: Buffer.from(other.caPem ?? "") }),
        new RealClock(),
      );
      const err = await new Promise<TethysError>((resolve) => {
        s.once("down", resolve);
        s.start();
      });
      await s.stop();
      assert.equal(err.code, "FLEET_TLS");
    } finally {
      await other.dispose();
    }
  });

  test("the ACL refuses another vehicle's topics; nothing reaches subscribers", async () => {
    const s = new FleetSession(sessionOptions(broker, { username: "rov1", password: USERS.rov1 }), new RealClock());
    await new Promise<void>((resolve) => {
      s.once("up", () => resolve());
      s.start();
    });
    try {
      const refused = await new Promise<TethysError | undefined>((resolve) =>
        s.publish("tethys/v1/site-a/rov2/alarms", Buffer.from('{"forged":1}'), { qos: 1 }, resolve),
      );
      assert.equal(refused?.code, "FLEET_NOT_AUTHORIZED");
      const marker = `{"marker":${Date.now()}}`;
      const ok = await new Promise<TethysError | undefined>((resolve) =>
        s.publish("tethys/v1/site-a/rov1/events", Buffer.from(marker), { qos: 1 }, resolve),
      );
      assert.equal(ok, undefined);
      await monitor.next((m) => m.text === marker);
      assert.equal(monitor.messages.filter((m) => m.text.includes("forged")).length, 0);
    } finally {
      await s.stop();
    }
  });

  test("nothing on MQTT commands a vehicle; the one safe request is answered", async () => {
    const fx = await startFleetFixture(
      ["rov1"],
      { broker: broker.url, site: "site-a", ca: broker.caFile },
      { passwords: { rov1: USERS.rov1 } },
    );
    const [v] = fx.vehicles as [NonNullable<(typeof fx.vehicles)[0]>];
    const attacker = await MqttWatch.open(broker.url, ["replies/#"], {
      username: "monitor",
      password: USERS.monitor,
      ca: broker.caPem,
    });
    try {
      await monitor.next((m) => m.topic === "tethys/v1/site-a/rov1/status" && m.text.includes("link-up"));
      const c = attacker.client;
      const crafted: [string, string][] = [
        ["tethys/v1/site-a/rov1/command", '{"type":"arm"}'],
        ["tethys/v1/site-a/rov1/arm", "1"],
        ["tethys/v1/site-a/rov1/request", '{"v":1,"what":"arm"}'],
        ["tethys/v1/site-a/rov1/request", '{"type":"pilot","surge":1,"sway":0,"heave":0,"yaw":0}'],
        ["tethys/v1/site-a/rov1/request", '{"v":1,"what":"mode","mode":"manual"}'],
        ["tethys/v1/site-a/rov1/request", "\u00ff\u00fe not json"],
      ];
      for (const [topic, payload] of crafted) await c.publishAsync(topic, payload, { qos: 1 });
      // A valid request with a response topic is answered: the bridge was listening all along.
      await c.publishAsync("tethys/v1/site-a/rov1/request", '{"v":1,"what":"state"}', {
        qos: 1,
        properties: { responseTopic: "replies/me", correlationData: Buffer.from("q1") },
      });
      const reply = await attacker.next((m) => m.topic === "replies/me");
      assert.equal(attacker.json(reply).v, 1);
      assert.equal(Buffer.from(reply.properties?.correlationData as Uint8Array).toString(), "q1");
      assert.deepEqual(v.commands, []);
      assert.equal(fx.bridge.stats().rov1?.refusedRequests, 4);
    } finally {
      await attacker.close();
      await fx.stop();
    }
  });

  test("a flood of requests is rate-limited: bounded answers, the rest refused and counted", async () => {
    const fx = await startFleetFixture(
      ["rov1"],
      { broker: broker.url, site: "site-a", ca: broker.caFile },
      { passwords: { rov1: USERS.rov1 } },
    );
    const flooder = await MqttWatch.open(broker.url, ["replies/flood"], {
      username: "monitor",
      password: USERS.monitor,
      ca: broker.caPem,
    });
    try {
      await monitor.next((m) => m.topic === "tethys/v1/site-a/rov1/status" && m.text.includes("link-up"));
      const topic = "tethys/v1/site-a/rov1/request";
      const request = '{"v":1,"what":"state"}';
      const options = { qos: 1 as const, properties: { responseTopic: "replies/flood" } };
      const flood = 300;
      let handled = 0;
      const allHandled = new Promise<void>((resolve) =>
        fx.bridge.requests.on(() => {
          if (++handled === flood + 1) resolve();
        }),
      );
      // The bridge subscribes once its session is up; one answered request shows it listens.
      flooder.client.publish(topic, request, options);
      await flooder.next(() => flooder.messages.length === 1);
      // QoS 1 both ways: the broker delivers every request and every answer, whatever the load.
      const started = performance.now();
      for (let i = 0; i < flood; i++) flooder.client.publish(topic, request, options);
      await allHandled;
      const seconds = (performance.now() - started) / 1000;
      const refused = fx.bridge.stats().rov1?.refusedRequests ?? 0;
      // Every answer is on its way; wait for the last of them.
      await flooder.next(() => flooder.messages.length === flood + 1 - refused);
      const answered = flooder.messages.length - 1;
      // The bucket: a burst of 10 (one spent on the first request) and 5 more per second of the flood.
      assert.ok(answered >= 9, `answered ${answered}`);
      assert.ok(answered <= 10 + Math.ceil(5 * seconds), `answered ${answered} in ${seconds.toFixed(1)} s`);
      assert.ok(refused > 0, "a flood beyond the bucket is refused");
      assert.equal(refused + answered, flood);
    } finally {
      await flooder.close();
      await fx.stop();
    }
  });

  test("MQTT 3.1.1 when configured: the same tree, without expiry", async () => {
    const fx = await startFleetFixture(
      ["rov2"],
      { broker: broker.url, site: "site-a", ca: broker.caFile, protocol: "3.1.1" },
      { passwords: { rov2: USERS.rov2 } },
    );
    try {
      const [v] = fx.vehicles as [NonNullable<(typeof fx.vehicles)[0]>];
      await monitor.next((m) => m.topic === "tethys/v1/site-a/rov2/status" && m.text.includes("link-up"));
      v.event({ type: "alarm", severity: "warning", code: "FS_BATTERY", active: true, text: "battery low" });
      const a = monitor.json(await monitor.next((m) => m.topic === "tethys/v1/site-a/rov2/alarms"));
      assert.equal(a.code, "FS_BATTERY");
    } finally {
      await fx.stop();
    }
  });
});
