import { scenarioSuite } from "./suite.ts";

// Depth hold, heading hold and stabilize scenarios (simulator/scenarios/, not fs-*).
scenarioSuite((name) => !name.startsWith("fs-"));
