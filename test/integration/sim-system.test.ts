import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { MessageOf } from "../../src/protocol/index.ts";
import { HubClient } from "../support/hub-client.ts";
import { startSimRun } from "../support/sim-run.ts";

/**
 * `tethys sim` as a user runs it: world, agent and hub as three processes on loopback with dev
 * keys. A scripted browser signs in with the dev token, takes the pilot role, arms and flies
 * forward; the world's truth recording shows the vehicle moved, and telemetry reached the
 * browser through DTLS and the hub. An observer's commands are refused.
 */
test("the whole simulated system: sign in, pilot, arm, fly forward; the truth shows the vehicle moved", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-sim-system-"));
  const record = join(dir, "truth.ndjson");
  const sim = await startSimRun({ dir, httpPort: 0, record });
  try {
    const { url, httpsUrl, caFile, token } = sim.ready;
    const ws = `${url.replace(/^http/, "ws")}ws`;
    const pilot = await HubClient.connect(ws);
    const vehicle = await pilot.signIn(token, "pilot");
    assert.equal(vehicle, "rov1");
    const observer = await HubClient.connect(ws);
    await observer.signIn("", "observer"); // the dev hub lets anyone observe
    await observer.next((m) => m.type === "telemetry");

    pilot.send({ type: "arm" });
    await pilot.next((m) => m.type === "event" && m.code === "ARMED");
    // Fly: full surge at 20 Hz, paced by telemetry (10 Hz) so the loop is event-driven.
    let frames = 0;
    await new Promise<void>((resolve) => {
      const fly = () => {
        pilot.send({ type: "pilot", surge: 1, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
        pilot.send({ type: "pilot", surge: 1, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
        if (++frames >= 40) resolve();
        else void pilot.upcoming((m) => m.type === "telemetry").then(fly);
      };
      fly();
    });
    const flying = (await pilot.upcoming((m) => m.type === "telemetry")) as MessageOf<"telemetry">;
    assert.equal(flying.armed, true);
    assert.ok(
      flying.thrusters.some((t) => t !== 0),
      "telemetry shows thrust",
    );

    // The observer can see but not command.
    observer.send({ type: "arm" });
    const refused = await observer.next((m) => m.type === "error");
    assert.equal(refused.type === "error" && refused.code.length > 0, true);

    // The cockpit is also served over HTTPS with the dev CA's hub certificate.
    assert.ok(httpsUrl);
    const ca = await readFile(caFile);
    const page = await new Promise<string>((resolve, reject) => {
      https
        .get(httpsUrl, { ca }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve(body));
        })
        .on("error", reject);
    });
    assert.match(page, /<title>Tethys cockpit<\/title>/);

    pilot.send({ type: "disarm" });
    await pilot.next((m) => m.type === "event" && m.code === "DISARMED");
    pilot.close();
    observer.close();
  } finally {
    await sim.stop();
  }
  const truth = (await readFile(record, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; position?: { n: number } });
  const north = truth.filter((r) => r.type === "truth").map((r) => r.position?.n ?? 0);
  assert.ok(Math.max(...north) > 2, `the vehicle moved only ${Math.max(...north).toFixed(2)} m forward`);
  await rm(dir, { recursive: true, force: true });
});
