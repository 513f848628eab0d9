import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { Registry } from "prom-client";
import { emptySnapshot } from "../control/sensor-snapshot.ts";
import { VECTORED_6 } from "../control/thruster-layout.ts";
import type { Clock } from "../kernel/clock.ts";
import { isTethysError } from "../kernel/errors.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { VehicleAgent } from "../vehicle/agent.ts";
import { notifySettingsFromEnv, SystemdNotifier } from "./systemd-notify.ts";

test("settings: none without NOTIFY_SOCKET; the watchdog only for this PID; abstract sockets refused", () => {
  assert.equal(notifySettingsFromEnv({}, 42), undefined);
  assert.deepEqual(notifySettingsFromEnv({ NOTIFY_SOCKET: "/run/systemd/notify" }, 42), {
    socket: "/run/systemd/notify",
    watchdogMs: null,
  });
  const env = { NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "2000000" };
  assert.equal(notifySettingsFromEnv({ ...env, WATCHDOG_PID: "42" }, 42)?.watchdogMs, 2000);
  assert.equal(notifySettingsFromEnv({ ...env, WATCHDOG_PID: "7" }, 42)?.watchdogMs, null);
  assert.throws(
    () => notifySettingsFromEnv({ NOTIFY_SOCKET: "@/org/freedesktop/systemd1/notify" }, 42),
    (e: unknown) => isTethysError(e, "SYSTEMD_NOTIFY"),
  );
  assert.throws(
    () => notifySettingsFromEnv({ ...env, WATCHDOG_USEC: "soon" }, 42),
    (e: unknown) => isTethysError(e, "SYSTEMD_NOTIFY"),
  );
});

test("READY=1 on the first cycle, WATCHDOG=1 at half the interval, nothing after STOPPING=1", () => {
  const sent: string[] = [];
  const n = new SystemdNotifier((s) => sent.push(s), 2000);
  n.cycle(0);
  assert.match(sent[0] ?? "", /^READY=1\nSTATUS=/);
  for (let t = 20; t <= 3000; t += 20) n.cycle(t);
  assert.deepEqual(sent.slice(1), ["WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"]);
  n.stopping();
  n.cycle(10_000);
  assert.deepEqual(sent.slice(4), ["STOPPING=1"]);
});

/** A loop clock whose interval callbacks are dropped while `stalled` (a blocked control loop). */
function stallable(inner: Clock): Clock & { stalled: boolean } {
  const c = {
    stalled: false,
    now: () => inner.now(),
    wallMicros: () => inner.wallMicros(),
    setTimer: (ms: number, fn: () => void) => inner.setTimer(ms, fn),
    setInterval: (ms: number, fn: () => void) =>
      inner.setInterval(ms, () => {
        if (!c.stalled) fn();
      }),
    sleep: (ms: number) => inner.sleep(ms),
  };
  return c;
}

test("the watchdog is fed from the control loop: a stalled loop stops the pings, a running one resumes them", () => {
  const clock = new VirtualClock();
  const loop = stallable(clock);
  const sent: { at: number; state: string }[] = [];
  const notifier = new SystemdNotifier((state) => sent.push({ at: clock.now(), state }), 2000);
  const agent = new VehicleAgent({
    clock: loop,
    frame: VECTORED_6,
    sensors: { latest: () => emptySnapshot() },
    thrusters: { set: () => {}, neutral: async () => {} },
    telemetry: { send: () => {} },
    events: { send: () => {} },
    logger: pino({ level: "silent" }),
    registry: new Registry(),
    loopHz: 50,
    telemetryHz: 10,
    onCycle: (now) => notifier.cycle(now),
  });
  agent.start();
  assert.equal(sent.length, 0, "nothing before the loop runs");
  clock.advance(5000);
  assert.equal(sent[0]?.state.startsWith("READY=1"), true);
  const running = sent.filter((s) => s.state === "WATCHDOG=1").length;
  assert.ok(running >= 4, `${running} pings in 5 s of loop`);

  loop.stalled = true;
  const before = sent.length;
  clock.advance(10_000);
  assert.equal(sent.length, before, "no ping while the loop is stalled");

  loop.stalled = false;
  clock.advance(1100);
  assert.equal(sent.at(-1)?.state, "WATCHDOG=1", "pings resume with the loop");
});
