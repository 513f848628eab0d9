import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startFleetFixture } from "../../src/topside/testing/fleet-fixture.ts";
import { type Mosquitto, mosquittoSkip, startMosquitto } from "../support/mosquitto.ts";
import { MqttWatch } from "../support/mqtt-watch.ts";

/**
 * The fleet bridge when things go wrong (docs/fleet.md): the hub killed with SIGKILL, the broker
 * restarted mid-dive with alarms raised meanwhile, a stalled broker.
 */
const CHILD = fileURLToPath(new URL("../../src/topside/testing/fleet-hub-child.ts", import.meta.url));

describe("fleet bridge resilience on mosquitto", { skip: mosquittoSkip, timeout: 90_000 }, () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto({ persistent: true });
  });
  after(async () => {
    await broker?.dispose();
  });

  test("hub killed with SIGKILL: the Last Will makes the vehicle offline within 1.5× keepalive", async () => {
    const keepalive = 2;
    const watch = await MqttWatch.open(broker.url, ["tethys/v1/kill/+/status"]);
    const child = spawn(
      process.execPath,
      [CHILD, JSON.stringify({ broker: broker.url, site: "kill", keepalive_s: keepalive }), "rov9"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      await watch.next((m) => m.topic === "tethys/v1/kill/rov9/status" && m.text.includes("link-up"));
      const killedAt = performance.now();
      child.kill("SIGKILL");
      const lost = await watch.next((m) => m.topic === "tethys/v1/kill/rov9/status" && m.text.includes("hub-lost"));
      const elapsedS = (performance.now() - killedAt) / 1000;
      assert.equal(watch.json(lost).status, "offline");
      // The bound, with the broker's own rule (1.5× keepalive) as the ceiling.
      assert.ok(elapsedS <= 1.5 * keepalive, `offline after ${elapsedS.toFixed(2)} s`);
      // Retained: a later subscriber sees offline too.
      const late = await MqttWatch.open(broker.url, ["tethys/v1/kill/rov9/status"]);
      const r = await late.next((m) => m.retain);
      assert.equal(late.json(r).reason, "hub-lost");
      await late.close();
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
      await watch.close();
    }
  });

  test("hub hung (SIGSTOP, no FIN): the broker's keepalive check publishes the Last Will", async (t) => {
    const keepalive = 2;
    const watch = await MqttWatch.open(broker.url, ["tethys/v1/hang/+/status"]);
    const child = spawn(
      process.execPath,
      [CHILD, JSON.stringify({ broker: broker.url, site: "hang", keepalive_s: keepalive }), "rov8"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      await watch.next((m) => m.topic === "tethys/v1/hang/rov8/status" && m.text.includes("link-up"));
      const stoppedAt = performance.now();
      child.kill("SIGSTOP");
      const lost = await watch.next((m) => m.topic === "tethys/v1/hang/rov8/status" && m.text.includes("hub-lost"));
      assert.equal(watch.json(lost).status, "offline");
      t.diagnostic(
        `offline ${((performance.now() - stoppedAt) / 1000).toFixed(2)} s after the hub hung (keepalive ${keepalive} s)`,
      );
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit");
      await watch.close();
    }
  });

  test("broker restarted mid-dive: every alarm raised meanwhile is delivered once, in order", async () => {
    // A persistent subscriber session, so what the broker receives while it is away is kept for it.
    const opts = { clientId: "restart-watch", clean: false, properties: { sessionExpiryInterval: 600 } };
    const watch = await MqttWatch.open(broker.url, ["tethys/v1/dive/+/alarms", "tethys/v1/dive/+/events"], opts);
    const fx = await startFleetFixture(["rov1"], {
      broker: broker.url,
      site: "dive",
      backoff_initial_ms: 50,
      backoff_max_ms: 200,
    });
    const [v] = fx.vehicles as [NonNullable<(typeof fx.vehicles)[0]>];
    try {
      v.event({ type: "alarm", severity: "warning", code: "FS_BEFORE", active: true, text: "before" });
      await watch.next((m) => m.text.includes("FS_BEFORE"));
      await watch.close();
      await broker.stop();
      const raised = 12;
      for (let i = 0; i < raised; i++)
        v.event(
          i % 3 === 2
            ? { type: "event", severity: "info", code: `EV_${i}`, text: `event ${i}` }
            : { type: "alarm", severity: "alarm", code: `FS_${i}`, active: true, text: `alarm ${i}` },
          1_767_225_600_000_000 + i,
        );
      assert.equal(fx.bridge.stats().rov1?.queued, raised);
      await broker.restart();
      const again = await MqttWatch.open(broker.url, ["tethys/v1/dive/+/alarms", "tethys/v1/dive/+/events"], opts);
      try {
        await again.next((m) => m.text.includes(`"EV_${raised - 1}"`) || m.text.includes(`"FS_${raised - 1}"`));
        const marker = "FS_AFTER";
        v.event({ type: "alarm", severity: "info", code: marker, active: true, text: "after" });
        await again.next((m) => m.text.includes(marker));
        const codes = again.messages.map((m) => String(again.json(m).code)).filter((c) => /^(FS|EV)_\d+$/.test(c));
        const expected = Array.from({ length: raised }, (_, i) => (i % 3 === 2 ? `EV_${i}` : `FS_${i}`));
        assert.deepEqual(codes, expected);
        const ids = again.messages.map((m) => again.json(m).id);
        assert.equal(new Set(ids).size, ids.length, "no id delivered twice");
        assert.equal(fx.bridge.stats().rov1?.dropped, 0);
      } finally {
        await again.close();
      }
    } finally {
      await fx.stop();
    }
  });

  test("beyond queue_limit the oldest are dropped and counted", async () => {
    const fx = await startFleetFixture(["rov3"], { broker: "mqtt://127.0.0.1:1", site: "drop", queue_limit: 5 });
    try {
      const [v] = fx.vehicles as [NonNullable<(typeof fx.vehicles)[0]>];
      for (let i = 0; i < 8; i++) v.event({ type: "event", severity: "info", code: `E${i}`, text: "" }, 1e15 + i);
      const s = fx.bridge.stats().rov3;
      assert.equal(s?.queued, 5);
      assert.equal(s?.dropped, 3);
      assert.equal(s?.up, false);
    } finally {
      await fx.stop();
    }
  });

  test("a stalled broker (SIGSTOP) blocks nothing: publishing returns at once, the event queue stays bounded", async () => {
    const fx = await startFleetFixture(["rov4"], {
      broker: broker.url,
      site: "stall",
      queue_limit: 100,
      max_backlog_bytes: 4096,
      telemetry_period_s: 0.1,
    });
    const [v] = fx.vehicles as [NonNullable<(typeof fx.vehicles)[0]>];
    const watch = await MqttWatch.open(broker.url, ["tethys/v1/stall/rov4/status"]);
    await watch.next((m) => m.text.includes("link-up"));
    await watch.close();
    process.kill(broker.pid(), "SIGSTOP");
    try {
      for (let i = 0; i < 2000; i++) {
        v.event({ type: "event", severity: "info", code: "FLOOD", text: "x".repeat(150) }, 1e15 + i);
        v.telemetry({ depth: i });
        if (i % 200 === 0) await new Promise<void>((r) => setImmediate(r));
      }
      const s = fx.bridge.stats().rov4;
      assert.ok((s?.queued ?? 0) <= 100 + 32, `queue bounded (${s?.queued})`);
      assert.ok((s?.dropped ?? 0) > 0);
    } finally {
      process.kill(broker.pid(), "SIGCONT");
      await fx.stop();
    }
  });
});
