import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { createRegistry, EVENT_LOOP_MONITORING_MS } from "./metrics.ts";

test("the event-loop delay metric samples every 100 ms, not prom-client's 10 ms (100 wake-ups a second)", () => {
  // prom-client calls perf_hooks.monitorEventLoopDelay on the CommonJS module object it required.
  const perfHooks = createRequire(import.meta.url)("node:perf_hooks") as {
    monitorEventLoopDelay: (o?: { resolution?: number }) => { enable(): void; disable(): void };
  };
  const real = perfHooks.monitorEventLoopDelay;
  const resolutions: (number | undefined)[] = [];
  perfHooks.monitorEventLoopDelay = (o) => {
    resolutions.push(o?.resolution);
    const h = real(o);
    h.enable = () => {}; // never started: nothing left running after the test
    return h;
  };
  try {
    createRegistry({ role: "test" });
  } finally {
    perfHooks.monitorEventLoopDelay = real;
  }
  assert.deepEqual(resolutions, [EVENT_LOOP_MONITORING_MS]);
  assert.ok(EVENT_LOOP_MONITORING_MS >= 100);
});
