import assert from "node:assert/strict";
import { test } from "node:test";
import { hopFigures } from "./breakdown.ts";
import { BenchPilot } from "./pilot.ts";
import { promValue, scrape } from "./stats.ts";
import { startLatencySystem } from "./system.ts";

/**
 * The latency metrics through the real wiring (hub and vehicle processes, the world here): after
 * a few pilot inputs that visibly move the thrusters, every hop's histogram has counted. Asserts
 * counts only, never durations.
 */
test("real hub + agent: pilot inputs reach the PCA9685 and every latency hop counts them", async () => {
  const sys = await startLatencySystem();
  try {
    const pilot = await BenchPilot.fly(sys);
    const samples = await pilot.measure(3);
    pilot.close();
    assert.equal(samples.filter(Number.isFinite).length, 3, "each pilot input moved a thruster pulse at the PCA9685");
    const hops = await hopFigures(sys);
    for (const h of hops) assert.ok(h.count >= 3, `${h.hop}: counted ${h.count}`);
    const hub = await scrape(`${sys.hubUrl}metrics`);
    assert.equal(promValue(hub, "tethys_hub_command_latency_unusable_total") ?? 0, 0, "loopback stamps are all usable");
  } catch (err) {
    throw new Error(`${String(err)}\n${sys.log.join("\n")}`);
  } finally {
    await sys.stop();
  }
});
