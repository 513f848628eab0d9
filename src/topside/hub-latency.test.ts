import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { encodeFrame, type MessageOf } from "../protocol/index.ts";
import { hopDelay, MAX_HOP_MS } from "./latency.ts";
import { startTestHub, type TestHub } from "./testing/hub-harness.ts";
import type { TestClient } from "./testing/ws-client.ts";

const PILOT: MessageOf<"pilot"> = { type: "pilot", surge: 0.5, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 };

describe("hopDelay (pure)", () => {
  test("receipt minus stamp, in ms", () => {
    assert.deepEqual(hopDelay(1_000_000, 1_002_500), { ok: true, ms: 2.5 });
    assert.deepEqual(hopDelay(5, 5), { ok: true, ms: 0 });
  });

  test("a stamp from the future, a stale one or a non-number is not a figure", () => {
    assert.deepEqual(hopDelay(2_000, 1_000), { ok: false, reason: "future" });
    assert.deepEqual(hopDelay(0, (MAX_HOP_MS + 1) * 1000), { ok: false, reason: "stale" });
    assert.deepEqual(hopDelay(Number.NaN, 1), { ok: false, reason: "invalid" });
    assert.deepEqual(hopDelay(1, Number.POSITIVE_INFINITY), { ok: false, reason: "invalid" });
  });

  test("any pair gives either a delay within 0..max or a reason", () => {
    fc.assert(
      fc.property(fc.double(), fc.double(), (a, b) => {
        const d = hopDelay(a, b);
        return d.ok ? d.ms >= 0 && d.ms <= MAX_HOP_MS : ["future", "stale", "invalid"].includes(d.reason);
      }),
    );
  });
});

describe("hub latency metrics", () => {
  let t: TestHub;
  let pilot: TestClient;
  let seq = 1;
  const sendStamped = (c: TestClient, timestamp: number) => c.ws.send(encodeFrame(PILOT, { seq: seq++, timestamp }));
  const scrape = async () => (await fetch(`http://127.0.0.1:${t.hub.address.port}/metrics`)).text();
  const countOf = (text: string) =>
    /^tethys_hub_command_latency_ms_count\{hop="browser_to_hub"\} (\d+)$/m.exec(text)?.[1];

  before(async () => {
    t = await startTestHub();
    pilot = await t.join("pilot");
  });
  after(() => t.close());

  test("/metrics shows the browser→hub histogram, and a pilot command counts in it", async () => {
    const before = await scrape();
    assert.match(before, /^tethys_hub_command_latency_ms_count\{hop="browser_to_hub"\} 0$/m);
    const forwarded = new Promise<void>((resolve) => {
      t.vehicle.onCommand = (m) => m.type === "pilot" && resolve();
    });
    sendStamped(pilot, t.clock.wallMicros() - 3000); // stamped 3 ms before the hub's (virtual) now
    await forwarded;
    const text = await scrape();
    assert.match(text, /^tethys_hub_command_latency_ms_count\{hop="browser_to_hub"\} 1$/m);
    assert.match(text, /^tethys_hub_command_latency_ms_sum\{hop="browser_to_hub"\} 3$/m);
    assert.match(text, /^tethys_hub_command_latency_ms_bucket\{le="2",hop="browser_to_hub"\} 0$/m);
    assert.match(text, /^tethys_hub_command_latency_ms_bucket\{le="5",hop="browser_to_hub"\} 1$/m);
  });

  test("a browser clock ahead of the hub or a stale stamp is counted as unusable, not as latency", async () => {
    const unusable = (reason: string) =>
      t.metric("tethys_hub_command_latency_unusable_total", { hop: "browser_to_hub", reason });
    const before = countOf(await scrape());
    let got = 0;
    const both = new Promise<void>((resolve) => {
      t.vehicle.onCommand = (m) => m.type === "pilot" && ++got === 2 && resolve();
    });
    sendStamped(pilot, t.clock.wallMicros() + 5_000_000);
    sendStamped(pilot, 1);
    await both; // the commands themselves still go through: the stamp is only a measurement
    assert.equal(await unusable("future"), 1);
    assert.equal(await unusable("stale"), 1);
    assert.equal(countOf(await scrape()), before);
  });

  test("an observer's refused command is not measured", async () => {
    const observer = await t.join("observer");
    const before = await scrape();
    sendStamped(observer, t.clock.wallMicros() - 1000);
    await observer.next("error");
    assert.equal(countOf(await scrape()), countOf(before));
  });
});
