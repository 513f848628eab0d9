import { type Board, openBoard } from "../hardware/boards/open-board.ts";
import { builtinProfile } from "../hardware/boards/profiles.ts";
import { parseBoardProfile } from "../hardware/boards/schema.ts";
import type { DeviceResult } from "../hardware/drivers/device-health.ts";
import type { World } from "./world.ts";

/**
 * The driver-side readings of a headless run: the real drivers (hardware/drivers, built from the
 * rpi-pca9685 board profile by openBoard) reading the world's register-level devices through
 * its simulated I2C bus and GPIO — the agent's sensor path. A device fault becomes a reading
 * with the driver's error code.
 */
export type Reading = Record<string, unknown> & { type: "reading"; sensor: string };

/** What produces the driver-side `reading` records of a headless run (default: driverReadingSource). */
export interface ReadingSource {
  /** One round of readings; must not throw (failures become readings with an error code). */
  sample(): Promise<Reading[]>;
  close(): Promise<void>;
}

export function driverReadingSource(world: World): ReadingSource {
  let board: Board | undefined;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const t = () => r3(world.clock.now() / 1000);
  const one = <T>(sensor: string, res: DeviceResult<T>, f: (v: T) => Record<string, unknown>): Reading =>
    res.ok
      ? { type: "reading", sensor, t: t(), ...f(res.value) }
      : { type: "reading", sensor, t: t(), error: res.error.code };
  return {
    async sample() {
      if (board === undefined) {
        const profile = parseBoardProfile({ ...builtinProfile("rpi-pca9685"), fluid: { densityKgM3: world.density } });
        board = await openBoard(profile, { clock: world.clock, i2c: async () => world.i2c, gpio: world.gpio });
        const init = await board.init();
        const failed = Object.entries(init).filter(([, r]) => !r.ok);
        if (failed.length > 0) {
          return failed.map(([sensor, r]) => ({
            type: "reading" as const,
            sensor,
            t: t(),
            error: r.ok ? "" : r.error.code,
          }));
        }
      }
      const b = board;
      const out: Reading[] = [];
      if (b.depth)
        out.push(
          one("depth", await b.depth.read(), (v) => ({
            pressure_pa: v.pressurePa,
            temp_c: v.temperatureC,
            depth_m: r3(v.depthM),
          })),
        );
      if (b.imu) {
        out.push(
          one("imu", await b.imu.read(), (v) => ({
            heading: v.euler.heading,
            roll: v.euler.roll,
            pitch: v.euler.pitch,
            quaternion: [v.quaternion.w, v.quaternion.x, v.quaternion.y, v.quaternion.z].map(r3),
            gyro_dps: [v.gyro.x, v.gyro.y, v.gyro.z],
          })),
        );
      }
      if (b.power)
        out.push(
          one("power", await b.power.read(), (v) => ({ volts: r3(v.volts), amps: r3(v.amps), watts: r3(v.watts) })),
        );
      out.push({ type: "reading", sensor: "leak", t: t(), leaking: b.leaks.some((l) => l.leaking) });
      return out;
    },
    async close() {
      await board?.close();
    },
  };
}
