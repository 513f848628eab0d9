import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Registry } from "prom-client";
import { HubClient } from "../../test/support/hub-client.ts";
import { recordSampleDive, sampleDepth, sampleStatus } from "../dive-log/testing/sample-dive.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { createLogging } from "../observability/logger.ts";
import type { Message } from "../protocol/index.ts";
import { type ReplayService, startReplay } from "./replay-service.ts";

const dir = mkdtempSync(join(tmpdir(), "tethys-replay-"));
let svc: ReplayService;
let clock: VirtualClock;
before(async () => {
  const file = await recordSampleDive(dir, 60, 10);
  clock = new VirtualClock();
  svc = await startReplay({
    file,
    host: "127.0.0.1",
    port: 0,
    staticDir: undefined,
    clock,
    logger: createLogging({ level: "silent", components: {} }).child("replay"),
    registry: new Registry(),
  });
});
after(async () => {
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const control = (body: unknown) =>
  fetch(`${svc.url}replay/control`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });

test("an anonymous observer sees the recorded telemetry; a command is refused by the hub", async () => {
  const c = await HubClient.connect(`${svc.url.replace("http", "ws")}ws`);
  const vehicle = await c.signIn("", "observer");
  assert.equal(vehicle, "rov-1");
  const { start } = svc.player.state();
  const seen = c.upcoming((m) => m.type === "telemetry" && m.depth === sampleDepth(30));
  const r = await control({ action: "seek", time: start + 30_000_000 });
  assert.equal(r.status, 200);
  assert.equal(((await r.json()) as { position: number }).position, start + 30_000_000);
  await seen;
  c.send({ type: "arm" });
  const refused = await c.next((m) => m.type === "error");
  assert.equal(refused.type === "error" && refused.code, "HUB_NOT_PILOT");
  c.send({ type: "role-request", vehicle, role: "pilot", takeover: true });
  const again = await c.upcoming((m) => m.type === "error");
  assert.equal(again.type === "error" && again.code, "HUB_FORBIDDEN");
  c.close();
});

test("/replay/state gives the range and the timeline; /replay/control plays, sets the speed, refuses bad bodies", async () => {
  const state = (await (await fetch(`${svc.url}replay/state`)).json()) as {
    start: number;
    end: number;
    playing: boolean;
    timeline: { kind: string; code: string }[];
  };
  assert.equal((state.end - state.start) / 1e6, 59.9);
  assert.deepEqual(
    state.timeline.map((m) => m.code),
    ["manual", "FS_LEAK", "link-down", "link-up", "depth-hold", "FS_LEAK"],
  );
  assert.equal(((await (await control({ action: "speed", speed: 8 })).json()) as { speed: number }).speed, 8);
  assert.equal(((await (await control({ action: "play" })).json()) as { playing: boolean }).playing, true);
  assert.equal(((await (await control({ action: "pause" })).json()) as { playing: boolean }).playing, false);
  for (const bad of ["{", { action: "fly" }, { action: "speed", speed: 1000 }, { action: "seek" }, "x".repeat(2000)]) {
    const r = await control(bad);
    assert.equal(r.status, 400, JSON.stringify(bad).slice(0, 40));
    assert.equal(((await r.json()) as { code: string }).code, "DIVELOG_REPLAY_BAD_CONTROL");
  }
  assert.equal((await fetch(`${svc.url}replay/other`)).status, 404);
});

/**
 * A frame of the sample dive as its kind and dive time in seconds, read from its values (the
 * depth is 0.1 m per second, a status's raw pressure follows the depth): `t 42.2`, `s 42`.
 */
function label(m: Message): string | undefined {
  if (m.type === "telemetry" && m.depth !== null) return `t ${Math.round(m.depth * 100) / 10}`;
  if (m.type === "vehicle-status" && m.pressure !== null)
    return `s ${Math.round(((m.pressure - sampleStatus(0).surfacePressure) / 98.1) * 100) / 10}`;
  return undefined;
}
const labels = (ms: Message[]) => ms.map(label).filter((l) => l !== undefined);

test("vehicle status reaches every cockpit with the telemetry, in recorded order; a seek sends the status of that moment first", {
  timeout: 30_000,
}, async () => {
  const url = `${svc.url.replace("http", "ws")}ws`;
  await control({ action: "pause" });
  // Each joins the paused replay and is sent the state of the position (a again when b joins).
  const statuses = (c: HubClient) => c.received.filter((m) => m.type === "vehicle-status").length;
  const a = await HubClient.connect(url);
  await a.signIn("", "observer");
  await a.next(() => statuses(a) === 1);
  const b = await HubClient.connect(url);
  await b.signIn("", "observer");
  await Promise.all([a.next(() => statuses(a) === 2), b.next(() => statuses(b) === 1)]);
  const from = new Map([a, b].map((c) => [c, c.received.length]));
  const after = (c: HubClient) => c.received.slice(from.get(c));
  const { start } = svc.player.state();
  const seen = Promise.all([a, b].map((c) => c.next((m) => label(m) === "t 42.2")));
  await control({ action: "seek", time: start + 42_250_000 });
  await seen;
  for (const c of [a, b])
    assert.deepEqual(labels(after(c)), ["s 42", "t 42.2"], "the status of 42 s, then the telemetry");
  const status = after(a).find((m) => m.type === "vehicle-status");
  const want = sampleStatus(42);
  assert.ok(status?.type === "vehicle-status" && status.pressure !== null);
  assert.ok(Math.abs(status.pressure - (want.pressure as number)) < 0.01, `pressure ${status.pressure}`);
  assert.deepEqual(
    { water: status.water, imu: status.imuCalibration, thrusters: status.thrusters.length },
    { water: want.water, imu: want.imuCalibration, thrusters: want.thrusters.length },
  );

  // Play 2 s of dive, a frame at a time: statuses fall in their places between the telemetry.
  await control({ action: "speed", speed: 1 });
  await control({ action: "play" });
  for (let i = 1; i <= 20; i++) {
    clock.advance(100);
    await svc.player.drained();
    const t = `t ${Math.round(422 + i) / 10}`;
    await Promise.all([a, b].map((c) => c.next((m) => label(m) === t)));
  }
  await control({ action: "pause" });
  const played = Array.from({ length: 20 }, (_, i) => Math.round(423 + i) / 10).flatMap((t) =>
    Number.isInteger(t) ? [`t ${t}`, `s ${t}`] : [`t ${t}`],
  );
  for (const c of [a, b]) assert.deepEqual(labels(after(c)), ["s 42", "t 42.2", ...played]);
  a.close();
  b.close();
});

test("a cockpit that joins a paused replay is sent the telemetry and vehicle status of the position", {
  timeout: 30_000,
}, async () => {
  const { start } = svc.player.state();
  await control({ action: "pause" });
  await control({ action: "seek", time: start + 30_550_000 }); // nobody watching
  const c = await HubClient.connect(`${svc.url.replace("http", "ws")}ws`);
  await c.signIn("", "observer");
  await c.next((m) => label(m) === "t 30.5");
  assert.deepEqual(labels(c.received), ["s 30", "t 30.5"]);
  assert.equal(svc.player.state().position, start + 30_550_000, "the position stays");
  c.close();
});
