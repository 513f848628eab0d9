import { scenarioSuite } from "./suite.ts";

// One scenario per failsafe of the matrix (simulator/scenarios/fs-*.ndjson): raised, its action and timing, cleared.
scenarioSuite((name) => name.startsWith("fs-"));
