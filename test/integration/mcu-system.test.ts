import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseSimBoard } from "../../src/cli/sim-configs.ts";
import { isTethysError } from "../../src/kernel/errors.ts";
import type { MessageOf } from "../../src/protocol/index.ts";
import { HubClient } from "../support/hub-client.ts";
import { startSimRun } from "../support/sim-run.ts";
import { requireTool } from "../support/tools.ts";

/**
 * `tethys sim --board rpi-serial-mcu`: the vehicle agent drives its thrusters through the real
 * serialport code path into the host build of the motor controller firmware behind a socat pty,
 * whose pulse outputs drive the simulated thrusters. Fly forward (the truth shows the vehicle
 * moved), then freeze the agent process mid-flight: the firmware's watchdog neutralises the
 * thrusters within its 500 ms and reports the trip.
 */
const skip = requireTool("make", "make") ?? requireTool("cc", "gcc") ?? requireTool("socat", "socat");

interface Truth {
  type: string;
  t: number;
  position?: { n: number };
  thrusters?: { pwm_us: number; force_n: number }[];
}

test("tethys sim --board takes the boards the world can be wired to, and names the others in a SIM_CLI_ARG", () => {
  assert.equal(parseSimBoard(undefined), "rpi-pca9685");
  assert.equal(parseSimBoard("rpi-serial-mcu"), "rpi-serial-mcu");
  assert.throws(
    () => parseSimBoard("bbb-serial-mcu"),
    (e: unknown) => isTethysError(e, "SIM_CLI_ARG") && /rpi-serial-mcu/.test(e.message),
  );
});

/** The pid of the vehicle process started for `dir` (its command line names dir's vehicle.toml). */
function vehiclePid(dir: string): number {
  const want = join(dir, "vehicle.toml");
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0");
      if (argv.includes("vehicle") && argv.includes(want)) return Number(e);
    } catch {
      // the process ended meanwhile
    }
  }
  throw new Error(`no vehicle process for ${want}`);
}

test("serial motor controller in the loop: arm, fly forward; a frozen agent is stopped by the MCU watchdog", {
  skip,
  timeout: 120_000,
}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-mcu-system-"));
  const record = join(dir, "truth.ndjson");
  const sim = await startSimRun({ dir, httpPort: 0, record, board: "rpi-serial-mcu" });
  let frozen: number | undefined;
  try {
    const { url, token } = sim.ready;
    const pilot = await HubClient.connect(`${url.replace(/^http/, "ws")}ws`);
    assert.equal(await pilot.signIn(token, "pilot"), "rov1");
    // The MCU link comes up after the agent starts: arming is refused (MCU_LINK_DOWN) until then.
    for (;;) {
      await pilot.upcoming((m) => m.type === "telemetry");
      pilot.send({ type: "arm" });
      const r = await pilot.next((m) => m.type === "event" && (m.code === "ARMED" || m.code === "ARM_BLOCKED"));
      if (r.type === "event" && r.code === "ARMED") break;
    }
    let frames = 0;
    await new Promise<void>((resolve) => {
      const fly = () => {
        pilot.send({ type: "pilot", surge: 1, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
        if (++frames >= 40) resolve();
        else void pilot.upcoming((m) => m.type === "telemetry").then(fly);
      };
      fly();
    });
    const flying = (await pilot.upcoming((m) => m.type === "telemetry")) as MessageOf<"telemetry">;
    assert.equal(flying.armed, true);

    // Freeze the agent mid-flight (as good as dead to the MCU): only the firmware can stop the thrust.
    const trip = sim.nextLine(/MCU_WATCHDOG_TRIP/);
    const pid = vehiclePid(dir);
    const frozenAt = performance.now();
    process.kill(pid, "SIGSTOP");
    frozen = pid;
    const line = await trip;
    const seenMs = performance.now() - frozenAt;
    const ms = Number(/after (\d+) ms/.exec(line)?.[1]);
    assert.ok(ms >= 500 && ms <= 520, `the watchdog tripped ${ms} ms after the last command`);
    t.diagnostic(
      `MCU watchdog tripped ${ms} ms after the last command; the trip reached the test ${seenMs.toFixed(0)} ms after the freeze`,
    );
    process.kill(pid, "SIGKILL"); // and now dead: the system stops
    frozen = undefined;
    pilot.close();
  } finally {
    if (frozen !== undefined) process.kill(frozen, "SIGKILL");
    await sim.stop();
  }
  const truth = (await readFile(record, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Truth)
    .filter((r) => r.type === "truth");
  const north = truth.map((r) => r.position?.n ?? 0);
  assert.ok(Math.max(...north) > 2, `the vehicle moved only ${Math.max(...north).toFixed(2)} m forward`);
  const thrusting = truth.filter((r) => r.thrusters?.some((t) => t.pwm_us !== 1500));
  assert.ok(thrusting.length > 0, "the MCU's pulses drove the thrusters");
  const last = truth.at(-1);
  assert.ok(
    last !== undefined && (last.thrusters ?? []).every((t) => t.pwm_us === 1500),
    "thrust stopped after the trip",
  );
  assert.ok((thrusting.at(-1)?.t ?? 0) < last.t, "neutral after the last thrusting record");
  await rm(dir, { recursive: true, force: true });
});
