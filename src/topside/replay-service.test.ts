import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Registry } from "prom-client";
import { HubClient } from "../../test/support/hub-client.ts";
import { recordSampleDive, sampleDepth } from "../dive-log/testing/sample-dive.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { createLogging } from "../observability/logger.ts";
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
