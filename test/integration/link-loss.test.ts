import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Message, MessageOf } from "../../src/protocol/index.ts";
import { HubClient } from "../support/hub-client.ts";
import { startSimRun } from "../support/sim-run.ts";

/**
 * Cutting the tether mid-flight: the whole system with its links through the tether emulator.
 * The pilot flies; the command link is black-holed (no FIN, as when a cable is cut); the agent
 * must go neutral on its own and say so in telemetry (which still flows over DTLS); when the
 * tether is restored the vehicle reconnects and the pilot flies again.
 */
const isTelemetry = (m: Message): m is MessageOf<"telemetry"> => m.type === "telemetry";
const forward = { type: "pilot", surge: 1, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 } as const;

test("a cut tether neutralises the thrusters; the vehicle reconnects when it is restored", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-link-loss-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sim = await startSimRun({ dir, httpPort: 0, tether: { delay: "5ms" } });
  try {
    const { url, token, tethers } = sim.ready;
    const cmd = tethers.command;
    assert.ok(cmd, "the command link runs through the tether");
    const pilot = await HubClient.connect(`${url.replace(/^http/, "ws")}ws`);
    await pilot.signIn(token, "pilot");
    // Keep pilot input flowing with every telemetry frame, as a cockpit does at its own rate.
    let flying = true;
    const feed = (): void => {
      if (!flying) return;
      pilot.send(forward);
      void pilot.upcoming((m) => m.type === "telemetry").then(feed);
    };
    feed();
    pilot.send({ type: "arm" });
    await pilot.next((m) => m.type === "event" && m.code === "ARMED");
    await pilot.upcoming((m) => isTelemetry(m) && m.armed && m.thrusters.some((t) => t !== 0));

    const cutAt = Date.now();
    cmd.cut("blackhole");
    const neutral = (await pilot.upcoming(
      (m) => isTelemetry(m) && m.failsafe.includes("FS_COMMAND_LINK"),
    )) as MessageOf<"telemetry">;
    const neutralAfterMs = Date.now() - cutAt;
    assert.deepEqual(
      neutral.thrusters.map((t) => t === 0),
      neutral.thrusters.map(() => true),
      "thrusters neutral with the command link failsafe",
    );
    // Not a timing assertion: reported for the closing note (the design bound is the link's
    // timeout_ms, 1500 ms by default, plus one control tick; unit tests check it on a virtual clock).
    process.stdout.write(`# command-link cut → neutral telemetry after ${neutralAfterMs} ms\n`);

    cmd.restore();
    await pilot.upcoming((m) => m.type === "vehicles" && m.vehicles.some((v) => v.id === "rov1" && v.connected));
    const back = (await pilot.upcoming(
      (m) => isTelemetry(m) && !m.failsafe.includes("FS_COMMAND_LINK") && m.thrusters.some((t) => t !== 0),
    )) as MessageOf<"telemetry">;
    assert.equal(back.armed, true, "still armed: the failsafe action was neutral, not disarm");
    flying = false;
    pilot.send({ type: "disarm" });
    await pilot.upcoming((m) => isTelemetry(m) && !m.armed);
    pilot.close();
  } finally {
    await sim.stop();
  }
});
