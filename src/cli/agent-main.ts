#!/usr/bin/env node
/**
 * The vehicle agent's own entry: `tethys vehicle` and nothing else, for the agent bundle
 * (src/release/dev-bundle.ts builds it; `tethys sim` runs it). Bundled from here, the agent
 * carries only the modules the vehicle reaches, not the hub, simulator, scenario runner or
 * release tooling the full `tethys` program registers. agent-snapshot.ts is the same program
 * as a V8 startup snapshot.
 */
import { runAgentProcess } from "./agent-program.ts";

await runAgentProcess(process.argv.slice(2));
