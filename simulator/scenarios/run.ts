/**
 * Runs a scenario (format.ts) headless with the real agent and checks its expectations.
 *
 * The vehicle is a user's `[vehicle]` configuration when one is given (`VehicleBase`: frame,
 * gains, failsafes, board profile, rates), with the scenario header laid over it: the header's
 * `control` is merged key by key into the config's `[vehicle.control]` (arrays replace), its
 * `board` and `loopHz` replace the config's.
 */
import { agentControlOptions } from "../../src/control/config.ts";
import { VehicleControlSchema, type VehicleControlSettings } from "../../src/control/schema.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import { type HeadlessResult, runHeadless } from "../headless.ts";
import { MemorySink } from "../recorder.ts";
import { checkExpectations } from "./expect.ts";
import { parseScenario, type Scenario } from "./format.ts";

/** The parts of a `[vehicle]` config section a scenario runs with. */
export interface VehicleBase {
  /** `[vehicle.control]` (parsed config; the header's `control` is merged into it). */
  control?: VehicleControlSettings;
  board?: string;
  loopHz?: number;
  telemetryHz?: number;
}

export interface ScenarioRunOptions {
  vehicle?: VehicleBase;
  /** Replaces the header's `world.seed` (the noise seed). */
  seed?: number;
}

export interface ScenarioRun {
  scenario: Scenario;
  result: HeadlessResult;
  records: Record<string, unknown>[];
  /** Failed expectations; empty when the scenario passes. */
  failures: string[];
}

export async function runScenario(
  text: string,
  source: string,
  options: ScenarioRunOptions = {},
): Promise<ScenarioRun> {
  return runParsedScenario(parseScenario(text, source), options);
}

export async function runParsedScenario(scenario: Scenario, options: ScenarioRunOptions = {}): Promise<ScenarioRun> {
  const h = scenario.header;
  const v = options.vehicle ?? {};
  const sink = new MemorySink();
  const board = h.board ?? v.board;
  const loopHz = h.loopHz ?? v.loopHz;
  const result = await runHeadless({
    durationS: h.duration,
    script: scenario.script,
    sink,
    truthHz: h.truthHz ?? 20,
    agent: true,
    agentOptions: {
      control: agentControlOptions(mergedControl(scenario, v.control)),
      ...(board === undefined ? {} : { board }),
      ...(loopHz === undefined ? {} : { loopHz }),
      ...(v.telemetryHz === undefined ? {} : { telemetryHz: Math.min(v.telemetryHz, loopHz ?? 50) }),
    },
    world: {
      seed: options.seed ?? h.world?.seed ?? 1,
      noise: h.world?.noise ?? true,
      ...(h.world?.soc === undefined ? {} : { soc: h.world.soc }),
      ...(h.world?.water === undefined ? {} : { water: h.world.water }),
      ...(h.world?.pose === undefined ? {} : { pose: h.world.pose }),
    },
  });
  const records = sink.records;
  return { scenario, result, records, failures: checkExpectations(records, scenario.expectations) };
}

/** The header's `control` laid over the config's; SIM_SCENARIO when the merge is invalid. */
function mergedControl(scenario: Scenario, base: VehicleControlSettings | undefined): VehicleControlSettings {
  if (base === undefined) return scenario.header.control;
  const merged = VehicleControlSchema.safeParse(deepMerge(base, scenario.controlInput));
  if (!merged.success) {
    const i = merged.error.issues[0];
    throw new TethysError(
      "SIM_SCENARIO",
      `${scenario.source}: the header's control over the config's [vehicle.control]: ${i?.path.join(".")}: ${i?.message}`,
      { details: { source: scenario.source } },
    );
  }
  return merged.data;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
