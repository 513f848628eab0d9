/**
 * The simulator and the agent as two processes: `tethys sim` (interactive, real time) in a child
 * process serves its buses on a loopback TCP port 0; this process talks to it through the
 * socket client, as an agent would.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { SimBusClient } from "../../simulator/bus/socket-client.ts";
import { BNO055_ADDRESS } from "../../simulator/devices/bno055.ts";
import { MS5837_ADDRESS } from "../../simulator/devices/ms5837.ts";

const cli = fileURLToPath(new URL("./sim-command.ts", import.meta.url));

test("an agent process reads the simulator process's devices over the socket", async () => {
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { runSimCommand } = await import(${JSON.stringify(cli)});
       process.exitCode = await runSimCommand({ listen: "tcp:0", depth: "10" });`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, "line")) as [string];
    const addr = JSON.parse(first) as { type: string; host: string; port: number };
    assert.equal(addr.type, "listening");
    assert.equal(addr.host, "127.0.0.1");
    const client = await SimBusClient.connect(addr);
    try {
      const id = await client.i2c.writeRead(BNO055_ADDRESS, Uint8Array.of(0x00), 1);
      assert.equal(id[0], 0xa0, "BNO055 CHIP_ID");
      const c1 = await client.i2c.writeRead(MS5837_ADDRESS, Uint8Array.of(0xa2), 2);
      assert.equal((c1[0] as number) * 256 + (c1[1] as number), 34982);
      await assert.rejects(client.i2c.read(0x11, 1), { code: "I2C_NACK" });
      const leak = await client.gpio.open({ chip: "gpiochip0", line: 27, direction: "in" });
      assert.equal(await leak.read(), 0);
    } finally {
      await client.close();
    }
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, "the simulator shuts down cleanly on SIGTERM");
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});
