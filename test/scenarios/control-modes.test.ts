import { scenarioSuite } from "./suite.ts";

// Every scenario of simulator/scenarios/ but the fs-* ones: depth hold, heading hold, stabilize,
// stopping where the pilot lets go (stop-*), power sensing at full thrust (power-*).
scenarioSuite((name) => !name.startsWith("fs-"));
