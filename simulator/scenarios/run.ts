/**
 * Runs a scenario (format.ts) headless with the real agent and checks its expectations.
 */
import { agentControlOptions } from "../../src/control/config.ts";
import { type HeadlessResult, runHeadless } from "../headless.ts";
import { MemorySink } from "../recorder.ts";
import { checkExpectations } from "./expect.ts";
import { parseScenario, type Scenario } from "./format.ts";

export interface ScenarioRun {
  scenario: Scenario;
  result: HeadlessResult;
  records: Record<string, unknown>[];
  /** Failed expectations; empty when the scenario passes. */
  failures: string[];
}

export async function runScenario(text: string, source: string): Promise<ScenarioRun> {
  const scenario = parseScenario(text, source);
  const h = scenario.header;
  const sink = new MemorySink();
  const result = await runHeadless({
    durationS: h.duration,
    script: scenario.script,
    sink,
    truthHz: h.truthHz ?? 20,
    agent: true,
    agentOptions: {
      control: agentControlOptions(h.control),
      ...(h.board === undefined ? {} : { board: h.board }),
      ...(h.loopHz === undefined ? {} : { loopHz: h.loopHz }),
    },
    world: {
      seed: h.world?.seed ?? 1,
      noise: h.world?.noise ?? true,
      ...(h.world?.soc === undefined ? {} : { soc: h.world.soc }),
      ...(h.world?.water === undefined ? {} : { water: h.world.water }),
      ...(h.world?.pose === undefined ? {} : { pose: h.world.pose }),
    },
  });
  const records = sink.records;
  return { scenario, result, records, failures: checkExpectations(records, scenario.expectations) };
}
