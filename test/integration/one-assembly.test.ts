import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { Registry } from "prom-client";
import { FakeGpioProvider } from "../../hardware/testing/fake-gpio.ts";
import { FakeI2cBus } from "../../hardware/testing/fake-i2c-bus.ts";
import { FakePca9685 } from "../../hardware/testing/fake-pca9685.ts";
import { settle } from "../../hardware/testing/settle.ts";
import { startHeadlessAgent } from "../../simulator/headless-agent.ts";
import { MemorySink } from "../../simulator/recorder.ts";
import { World } from "../../simulator/world.ts";
import { loadConfigFile, requireRole } from "../../src/config/load.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { generateKeys } from "../../src/keys/generate.ts";
import { assembleVehicle, type VehicleAssembler, type VehicleAssembly } from "../../src/vehicle/assemble.ts";
import { startVehicle } from "../../src/vehicle/service.ts";

/**
 * `tethys vehicle` (startVehicle) and the simulator's headless agent (scenarios, `tethys sim
 * --headless`) assemble the vehicle with one function, src/vehicle/assemble.ts. Both take the
 * assembler as a parameter whose default is that function: the first two tests pass a spy that
 * delegates to it and check the running agent is the one it assembled; the third checks the
 * sources, so a second wiring (an agent, thruster output or sensors built anywhere else) fails.
 */

/** An assembler that records its calls and delegates to the real one. */
function spy() {
  const calls: VehicleAssembly[] = [];
  const assemble: VehicleAssembler = async (o) => {
    const v = await assembleVehicle(o);
    calls.push(v);
    return v;
  };
  return { assemble, calls };
}

test("the headless agent is assembled by the one assembly", async () => {
  const clock = new VirtualClock();
  const world = new World(clock, { noise: false, pose: { d: 2 } });
  const { assemble, calls } = spy();
  const agent = startHeadlessAgent(world, new MemorySink(), {}, assemble);
  world.start();
  await clock.advanceAsync(1000);
  assert.equal(calls.length, 1);
  const assembled = calls[0] as VehicleAssembly;
  agent.command({ type: "arm" });
  assert.equal(assembled.agent.armed, true, "commands reach the assembled agent");
  await agent.stop();
  world.stop();
  assert.equal(assembled.agent.armed, false);
});

test("`tethys vehicle` is assembled by the one assembly", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-one-assembly-"));
  try {
    await generateKeys({ dir: join(dir, "keys"), configDir: dir });
    const port = await closedPort(); // the links dial a hub that is not there
    const file = join(dir, "vehicle.toml");
    await writeFile(
      file,
      [
        "[vehicle]",
        'board = "rpi-pca9685"',
        "[vehicle.hub]",
        'host = "127.0.0.1"',
        `command_port = ${port}`,
        `telemetry_port = ${port}`,
        await readFile(join(dir, "keys/vehicle.snippet.toml"), "utf8"),
      ].join("\n"),
    );
    const config = requireRole(await loadConfigFile(file, {}), "vehicle");
    const clock = new VirtualClock();
    const bus = new FakeI2cBus();
    bus.attach(0x40, new FakePca9685()); // thrusters and lights; the sensors are missing (reported, not fatal)
    const { assemble, calls } = spy();
    const svc = await settle(
      clock,
      startVehicle(
        {
          config,
          configFile: file,
          clock,
          logger: pino({ level: "silent" }),
          registry: new Registry(),
          backends: { clock, i2c: async () => bus, gpio: new FakeGpioProvider({ "pinctrl-bcm2711": 58 }, clock) },
        },
        assemble,
      ),
    );
    assert.equal(calls.length, 1);
    assert.equal(svc.agent, calls[0]?.agent, "the service runs the assembled agent");
    await settle(clock, svc.stop());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("no second wiring: only the assembly builds the agent, its thruster outputs and its sensors", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  // Where each construction may appear (tests of the parts themselves and benches may build them).
  const allowed: Record<string, readonly string[]> = {
    "new VehicleAgent(": ["src/vehicle/assemble.ts"],
    "new PwmThrusterOutput(": ["src/vehicle/assemble.ts"],
    "openMcuLink(": ["src/vehicle/assemble.ts"],
    "new McuThrusterOutput(": ["src/vehicle/mcu-link.ts"],
    "new BoardSensors(": ["src/vehicle/assemble.ts"],
  };
  const found: Record<string, string[]> = Object.fromEntries(Object.keys(allowed).map((k) => [k, []]));
  for (const top of ["src", "simulator", "hardware", "firmware-bridge", "deploy"]) {
    for (const file of sources(join(root, top))) {
      const text = readFileSync(file, "utf8");
      for (const k of Object.keys(allowed)) {
        // A use, not the function's own declaration.
        const use = new RegExp(`(?<!function )\\b${k.replace(/[()]/g, "\\$&")}`);
        if (use.test(text)) found[k]?.push(relative(root, file));
      }
    }
  }
  assert.deepEqual(found, allowed);
  for (const user of ["src/vehicle/service.ts", "simulator/headless-agent.ts"]) {
    const text = readFileSync(join(root, user), "utf8");
    const imports = /import \{[^}]*\bassembleVehicle\b[^}]*\} from "(\.\/|(\.\.\/)+src\/vehicle\/)assemble\.ts"/;
    assert.ok(imports.test(text), `${user} imports assembleVehicle`);
    assert.ok(/assemble: VehicleAssembler = assembleVehicle\b/.test(text), `${user} defaults to the one assembly`);
  }
});

/** Non-test TypeScript files under `dir`. */
function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) yield p;
  }
}

/** A loopback TCP port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
