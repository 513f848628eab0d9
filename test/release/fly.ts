import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { MessageOf } from "../../src/protocol/index.ts";
import { HubClient } from "../support/hub-client.ts";

/**
 * A scripted pilot: signs in to the hub, arms rov1, flies forward until telemetry shows thrust
 * and then a while longer (telemetry paces it), and disarms.
 */
export async function flyForward(url: string, token: string): Promise<void> {
  const pilot = await HubClient.connect(`${url.replace(/^http/, "ws")}ws`);
  try {
    assert.equal(await pilot.signIn(token, "pilot"), "rov1");
    const first = (await pilot.next((m) => m.type === "telemetry")) as MessageOf<"telemetry">;
    assert.equal(first.armed, false);
    pilot.send({ type: "arm" });
    await pilot.next((m) => m.type === "event" && m.code === "ARMED");
    let frames = 0;
    let flying: MessageOf<"telemetry"> | undefined;
    while (frames++ < 60) {
      pilot.send({ type: "pilot", surge: 1, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
      flying = (await pilot.upcoming((m) => m.type === "telemetry")) as MessageOf<"telemetry">;
      if (flying.armed && flying.thrusters.some((t) => t > 0.1)) break;
    }
    assert.ok(flying?.armed, "telemetry says armed");
    assert.ok(
      flying.thrusters.some((t) => t > 0.1),
      `telemetry shows forward thrust: ${flying.thrusters.join(", ")}`,
    );
    // Keep flying until the world has carried the vehicle forward (telemetry paces the loop).
    for (let i = 0; i < 40; i++) {
      pilot.send({ type: "pilot", surge: 1, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
      await pilot.upcoming((m) => m.type === "telemetry");
    }
    pilot.send({ type: "disarm" });
    await pilot.next((m) => m.type === "event" && m.code === "DISARMED");
  } finally {
    pilot.close();
  }
}

/** The farthest north the world's recorded truth (`--record` NDJSON) put the vehicle, in metres. */
export async function farthestNorth(record: string): Promise<number> {
  const north = (await readFile(record, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; position?: { n: number } })
    .filter((r) => r.type === "truth")
    .map((r) => r.position?.n ?? 0);
  return Math.max(...north);
}
