/**
 * A hub process with a fleet bridge over FakeVehicles, for tests that kill it: argv[2] is the
 * `[fleet]` section as JSON, argv[3] the vehicle ids, comma-separated. It runs until killed.
 */
import { startFleetFixture } from "./fleet-fixture.ts";

const fleet = JSON.parse(process.argv[2] ?? "{}") as Record<string, unknown>;
const ids = (process.argv[3] ?? "rov1").split(",");
await startFleetFixture(ids, fleet);
process.stdout.write("started\n");
setInterval(() => {}, 60_000);
