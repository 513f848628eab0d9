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
import { runAgentProcess } from "./agent-program.ts";

if (startupSnapshot.isBuildingSnapshot()) {
  startupSnapshot.setDeserializeMainFunction(() => {
    // No script path precedes the arguments of a start from a snapshot: `node --snapshot-blob F vehicle …`.
    void runAgentProcess(process.argv.slice(1));
  });
} else {
  // Run as a plain script (CommonJS: no top-level await).
  void runAgentProcess(process.argv.slice(2));
}
