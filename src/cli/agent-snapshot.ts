/**
 * The vehicle agent as a V8 startup snapshot (docs/latency.md, "The lean agent"): built from a
 * CommonJS bundle of this entry with `node --snapshot-blob FILE --build-snapshot BUNDLE`, which
 * evaluates every module of the agent (zod's schemas, commander, pino, prom-client, the links,
 * the drivers) once; a start then deserialises that heap instead of compiling and evaluating
 * them: `node --snapshot-blob FILE vehicle --config F`. Nothing is opened while the snapshot is
 * built (no socket, timer, file or environment read happens at module load in the agent's code),
 * so nothing of the building machine's state is carried into a start.
 */
import { startupSnapshot } from "node:v8";
import { BUILTIN_PROFILES, builtinProfile } from "../../hardware/boards/profiles.ts";
import { parseConfig } from "../config/load.ts";
import { defaultVehicleState, parseVehicleState } from "../vehicle/vehicle-state.ts";
import { runAgentProcess } from "./agent-program.ts";

/**
 * Parses once what every start parses — a vehicle config (with the control section's frame),
 * the built-in board profiles, a state file — so zod's compiled validators and its per-schema
 * caches are made here and kept in the snapshot rather than made again at each start. Pure
 * computation on constants: nothing of this machine is read.
 */
function prewarm(): void {
  parseConfig("[vehicle]\n[vehicle.control]\n[log]\n[metrics]\n", undefined, {});
  for (const name of Object.keys(BUILTIN_PROFILES)) builtinProfile(name);
  parseVehicleState(defaultVehicleState());
}

if (startupSnapshot.isBuildingSnapshot()) {
  prewarm();
  startupSnapshot.setDeserializeMainFunction(() => {
    // No script path precedes the arguments of a start from a snapshot: `node --snapshot-blob F vehicle …`.
    void runAgentProcess(process.argv.slice(1));
  });
} else {
  // Run as a plain script (CommonJS: no top-level await).
  void runAgentProcess(process.argv.slice(2));
}
