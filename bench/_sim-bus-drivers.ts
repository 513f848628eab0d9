/**
 * Benchmark helper (child process of bench/sim-bus-cpu.ts): the default board's I2C drivers on
 * the real clock at the agent's poll rates — MS5837 at 20 Hz (two conversions: 4 transactions and
 * 2 waits per reading), BNO055 at 50 Hz (one burst read), INA260 at 10 Hz (3 register reads),
 * PCA9685 six thruster channels at 50 Hz (one write) — nothing else. Its bus is `local` (the
 * simulator's in-process bus and device models, in this process) or the sim-bus socket
 * (`tcp:PORT`, `unix:PATH`). Prints "ready" once the drivers are initialised and polling.
 * The leading _ keeps `npm run bench` from running it on its own.
 */
import { Bno055 } from "../hardware/drivers/bno055.ts";
import { Ina260 } from "../hardware/drivers/ina260.ts";
import { Ms5837 } from "../hardware/drivers/ms5837.ts";
import { Pca9685 } from "../hardware/drivers/pca9685.ts";
import type { I2cBus } from "../hardware/ports/i2c-bus.ts";
import { SimI2cBus } from "../simulator/bus/sim-i2c-bus.ts";
import { SimBusClient } from "../simulator/bus/socket-client.ts";
import { parseBusTarget } from "../simulator/bus/socket-server.ts";
import { Bno055Model } from "../simulator/devices/bno055.ts";
import { Ina260Model } from "../simulator/devices/ina260.ts";
import { Ms5837Model } from "../simulator/devices/ms5837.ts";
import { Pca9685Model } from "../simulator/devices/pca9685.ts";
import type { Clock } from "../src/kernel/clock.ts";
import { RealClock } from "../src/kernel/real-clock.ts";

/** The default board's I2C devices on the simulator's in-process bus. */
export function boardBus(clock: Clock): SimI2cBus {
  return new SimI2cBus(clock)
    .attach(0x76, new Ms5837Model())
    .attach(0x28, new Bno055Model())
    .attach(0x41, new Ina260Model())
    .attach(0x40, new Pca9685Model());
}

async function main(where: string): Promise<void> {
  const clock = new RealClock();
  let bus: I2cBus;
  if (where === "local") bus = boardBus(clock);
  else {
    const target = parseBusTarget(where);
    if (target === undefined) throw new Error(`usage: _sim-bus-drivers.ts local|tcp:PORT|unix:PATH, got ${where}`);
    bus = (await SimBusClient.connect(target)).i2c;
  }
  const depth = new Ms5837(bus, clock, { address: 0x76 });
  const imu = new Bno055(bus, clock, { address: 0x28 });
  const power = new Ina260(bus, clock, { address: 0x41 });
  const pwm = new Pca9685(bus, clock, { address: 0x40 });
  for (const r of [await depth.init(), await imu.init(), await power.init(), await pwm.init()]) {
    if (!r.ok) throw r.error;
  }
  // As the agent polls (src/vehicle/board-sensors.ts): a poll still in flight is not started again.
  const every = (hz: number, op: () => Promise<unknown>) => {
    let busy = false;
    clock.setInterval(1000 / hz, () => {
      if (busy) return;
      busy = true;
      void op().finally(() => {
        busy = false;
      });
    });
  };
  const pulses = [1500, 1520, 1480, 1500, 1510, 1490];
  every(20, () => depth.read());
  every(50, () => imu.read());
  every(10, () => power.read());
  every(50, () => pwm.setPulses(0, pulses));
  process.stdout.write("ready\n");
}

if (import.meta.main) await main(process.argv[2] ?? "local");
