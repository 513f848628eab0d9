import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { requireTool } from "../../test/support/tools.ts";
import { EVENT_CODE, PULSE_NEUTRAL_US } from "../protocol/messages.ts";
import { type FirmwareEvent, HostMcu, type PulseReport } from "./host-mcu.ts";

const skip = requireTool("make", "make") ?? requireTool("cc", "gcc") ?? requireTool("socat", "socat");

const CHILD = fileURLToPath(new URL("./testing/agent-child.ts", import.meta.url));
let mcu: HostMcu | undefined;
after(async () => {
  await mcu?.stop();
});

test("killing the agent while thrusters are commanded: the firmware goes neutral within its watchdog time", {
  skip,
  timeout: 30_000,
}, async (t) => {
  mcu = await HostMcu.start();
  const host = mcu;
  const child = spawn(process.execPath, [CHILD, host.path], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit");
  try {
    // 1. The child agent arms and commands 1700 µs on every channel.
    const commanded = new Promise<PulseReport>((resolve) => {
      const off = host.onReport.on((r) => {
        if (r.thrusters.every((us) => us === 1700)) {
          off();
          resolve(r);
        }
      });
    });
    const armed = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on("line", (l) => {
        if (l === "armed") resolve();
      });
    });
    await armed;
    const moving = await commanded;

    // 2. Kill it (SIGKILL: no goodbye frame, as if the agent crashed).
    const trip = new Promise<FirmwareEvent>((resolve) => {
      const off = host.onEvent.on((e) => {
        if (e.code === EVENT_CODE.watchdogTrip) {
          off();
          resolve(e);
        }
      });
    });
    const neutral = new Promise<PulseReport>((resolve) => {
      const off = host.onReport.on((r) => {
        if (r.thrusters.every((us) => us === PULSE_NEUTRAL_US)) {
          off();
          resolve(r);
        }
      });
    });
    child.kill("SIGKILL");
    await exited;
    const [event, report] = await Promise.all([trip, neutral]);

    // 3. Measured on the firmware's own 1 ms tick: trip ≤ watchdog + one tick after the last
    //    valid command, and the neutral outputs were applied at the trip.
    t.diagnostic(`watchdog trip ${event.detail} ms after the last valid command (limit 500 + 1 tick)`);
    assert.ok(event.detail >= 500, `tripped early: ${event.detail} ms`);
    assert.ok(event.detail <= 501, `tripped late: ${event.detail} ms`);
    assert.equal(report.mcuMs, event.mcuMs, "outputs neutral in the same tick as the trip");
    assert.ok(report.mcuMs > moving.mcuMs);
    assert.deepEqual(report.thrusters, new Array(8).fill(PULSE_NEUTRAL_US));
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});
