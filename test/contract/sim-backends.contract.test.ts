import { SimGpioProvider } from "../../simulator/bus/sim-gpio.ts";
import { SimI2cBus } from "../../simulator/bus/sim-i2c-bus.ts";
import { SimBusClient } from "../../simulator/bus/socket-client.ts";
import { SimBusServer } from "../../simulator/bus/socket-server.ts";
import { Ms5837Model } from "../../simulator/devices/ms5837.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { gpioContract } from "./gpio.contract.ts";
import { i2cBusContract } from "./i2c-bus.contract.ts";

/**
 * The port contract suites against the simulator's backends, in-process and over the sim-bus
 * socket (what an agent in another process uses) — the same suites the Linux backends pass.
 */
const RESET = Uint8Array.of(0x1e); // MS5837 reset: a harmless write

i2cBusContract("SimI2cBus (in-process)", async () => ({
  bus: new SimI2cBus(new VirtualClock()).attach(0x76, new Ms5837Model()),
  present: 0x76,
  absent: 0x77,
  safeWrite: RESET,
}));

gpioContract("SimGpioProvider (in-process)", async () => {
  const provider = new SimGpioProvider(new VirtualClock());
  return {
    provider,
    chip: "gpiochip0",
    line: 17,
    missing: { chip: "gpiochip0", line: 54 },
    drive: async (v) => provider.drive("gpiochip0", 17, v),
  };
});

async function overSocket() {
  const clock = new VirtualClock();
  const bus = new SimI2cBus(clock).attach(0x76, new Ms5837Model());
  const gpio = new SimGpioProvider(clock);
  const server = new SimBusServer({ i2c: bus, gpio });
  const addr = await server.listen({ host: "127.0.0.1", port: 0 });
  const client = await SimBusClient.connect(addr);
  return {
    client,
    gpio,
    teardown: async () => {
      await client.close();
      await server.close();
    },
  };
}

i2cBusContract("sim-bus socket client", async () => {
  const s = await overSocket();
  return { bus: s.client.i2c, present: 0x76, absent: 0x77, safeWrite: RESET, teardown: s.teardown };
});

gpioContract("sim-bus socket client GPIO", async () => {
  const s = await overSocket();
  return {
    provider: s.client.gpio,
    chip: "gpiochip0",
    line: 17,
    missing: { chip: "gpiochip0", line: 54 },
    // One round trip first, so the server has registered any watch before the level changes;
    // then another, so the edge event it sends has arrived before the test looks.
    drive: async (v) => {
      await s.client.i2c.read(0x76, 1).catch(() => {});
      s.gpio.drive("gpiochip0", 17, v);
      await s.client.i2c.read(0x76, 1).catch(() => {});
    },
    teardown: s.teardown,
  };
});
