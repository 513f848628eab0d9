import assert from "node:assert/strict";
import { test } from "node:test";
import type { Logger } from "pino";
import { deviceFault } from "../../hardware/drivers/device-health.ts";
import type { PwmThrusters } from "../../hardware/drivers/pwm-thrusters.ts";
import { PwmThrusterOutput } from "./pwm-output.ts";

/**
 * No PCA9685 fitted: every tick's thruster write fails with DEVICE_NOT_READY. The log gets the
 * first failure and counted summaries, not one line per tick, and every failure is accounted for
 * once a write succeeds again.
 */
test("a thruster write failing on every tick is logged once plus counts, every failure accounted for", async () => {
  let fitted = false;
  let writes = 0;
  const thrusters = {
    setMicros: async () => {
      writes++;
      return fitted
        ? { ok: true as const, value: undefined }
        : { ok: false as const, error: deviceFault("DEVICE_NOT_READY", "pca9685", "set before a successful init()") };
    },
  } as unknown as PwmThrusters;
  const lines: { code?: unknown; repeated?: unknown; msg: string }[] = [];
  const logger = {
    warn: (fields: { code?: unknown; repeated?: unknown }, msg: string) => lines.push({ ...fields, msg }),
  } as unknown as Logger;
  const out = new PwmThrusterOutput({ thrusters, outputs: 6, logger });
  const ticks = 200;
  for (let i = 0; i < ticks; i++) {
    out.set(Float64Array.of(0, 0, 0, 0, 0, 0));
    await out.written();
  }
  assert.equal(writes, ticks);
  assert.deepEqual(lines[0], { code: "DEVICE_NOT_READY", msg: "pca9685: set before a successful init()" });
  assert.ok(lines.length < ticks / 10, `${lines.length} lines for ${ticks} failures`);
  fitted = true;
  out.set(Float64Array.of(0, 0, 0, 0, 0, 0));
  await out.written();
  const summaries = lines.slice(1);
  assert.ok(summaries.length >= 1, "the pending count is logged when the fault clears");
  for (const s of summaries)
    assert.match(s.msg, /^pca9685: set before a successful init\(\) \(repeated \d+ times in [\d.]+ s\)$/);
  assert.equal(1 + summaries.reduce((n, s) => n + Number(s.repeated), 0), ticks);
  // Healthy again: nothing more is logged.
  const before = lines.length;
  out.set(Float64Array.of(0, 0, 0, 0, 0, 0));
  await out.written();
  assert.equal(lines.length, before);
});
