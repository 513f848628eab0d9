/** Injection events in headless runs: world-side ones work without the agent, agent-side ones need it. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runHeadless } from "./headless.ts";
import { MemorySink } from "./recorder.ts";
import { parseScript } from "./script.ts";

test("without the agent, sim.link and sim.stall are recorded as SIM_NO_AGENT; world events apply", async () => {
  const script = parseScript(
    [
      '{"at":0.2,"type":"sim.link","link":"command","up":false}',
      '{"at":0.3,"type":"sim.stall","ms":100}',
      '{"at":0.4,"type":"sim.battery","sag":2}',
      '{"at":0.5,"type":"sim.temp","c":75}',
      '{"at":0.6,"type":"sim.disturb","pitch":10}',
    ].join("\n"),
  );
  const sink = new MemorySink();
  const r = await runHeadless({ durationS: 1, script, sink, readingHz: 0, world: { noise: false, pose: { d: 2 } } });
  const events = sink.records.filter((x) => x.type === "script");
  assert.deepEqual(
    events.map((e) => [e.line, e.error ?? e.event]),
    [
      [1, "SIM_NO_AGENT"],
      [2, "SIM_NO_AGENT"],
      [3, "sim.battery"],
      [4, "sim.temp"],
      [5, "sim.disturb"],
    ],
  );
  assert.equal(r.world.internalTempC, 75);
  const truth = sink.records.filter((x) => x.type === "truth") as {
    t: number;
    battery: { volts: number };
    pitch: number;
  }[];
  const at = (t: number) => truth.find((x) => x.t >= t) as (typeof truth)[number];
  assert.ok(at(0.3).battery.volts - at(0.45).battery.volts > 1.9, "sag seen in truth");
  assert.ok(at(0.65).pitch > 5, `pitched ${at(0.65).pitch}°`);
});
