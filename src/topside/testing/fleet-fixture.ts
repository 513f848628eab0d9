import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { FleetSchema } from "../../config/schema.ts";
import { RealClock } from "../../kernel/real-clock.ts";
import { type FleetBridge, startFleetBridge } from "../fleet-bridge.ts";
import { VehicleDirectory } from "../vehicle-channel.ts";
import { FakeVehicle } from "./fake-vehicle.ts";

/**
 * A fleet bridge over FakeVehicles, configured like `[fleet]` (TOML keys as an object; a
 * `passwords` map becomes password files in a temporary directory). For tests and benchmarks.
 */
export interface FleetFixture {
  bridge: FleetBridge;
  vehicles: FakeVehicle[];
  dir: string;
  stop(): Promise<void>;
}

export async function startFleetFixture(
  ids: string[],
  fleet: Record<string, unknown>,
  o: { passwords?: Record<string, string>; pilots?: Record<string, string>; logLevel?: string } = {},
): Promise<FleetFixture> {
  const dir = mkdtempSync(join(tmpdir(), "tethys-fleet-"));
  const vehiclesSection: Record<string, Record<string, string>> = {};
  for (const [user, password] of Object.entries(o.passwords ?? {})) {
    writeFileSync(join(dir, `${user}.pass`), `${password}\n`);
    vehiclesSection[user] = { username: user, password_file: `${user}.pass` };
  }
  const config = FleetSchema.parse({ vehicles: vehiclesSection, ...fleet });
  const directory = new VehicleDirectory();
  const vehicles = ids.map((id) => new FakeVehicle(id));
  for (const v of vehicles) directory.add(v);
  let bridge: FleetBridge;
  try {
    bridge = await startFleetBridge({
      fleet: config,
      configFile: join(dir, "tethys.toml"),
      directory,
      pilotName: (v) => o.pilots?.[v],
      software: "0.1.0",
      effectiveConfig: { fleet: config },
      clock: new RealClock(),
      logger: pino({ level: o.logLevel ?? "silent" }),
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    bridge,
    vehicles,
    dir,
    stop: async () => {
      await bridge.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
