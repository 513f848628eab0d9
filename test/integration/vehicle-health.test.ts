import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { startSimRun } from "../support/sim-run.ts";

/**
 * The agent's /health, which a deploy's health gate reads: in the simulated system, the agent's
 * metrics endpoint (set through TETHYS_METRICS__LISTEN) answers 200 with its loop running and
 * its sensors read, and lists each device and both links.
 */
const TETHYS = fileURLToPath(new URL("../../src/cli/tethys.ts", import.meta.url));

/** A port that was free a moment ago (the agent's config takes a fixed address). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("tethys vehicle serves /health: loop running, sensors read, link states", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-health-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const sim = await startSimRun({
    dir,
    httpPort: 0,
    agent: {
      command: process.execPath,
      args: [TETHYS],
      env: { ...process.env, TETHYS_METRICS__LISTEN: `127.0.0.1:${port}` },
    },
  });
  try {
    const url = `http://127.0.0.1:${port}/health`;
    // The first control cycle follows the ready line within a period: ask again until it is in.
    let res = await fetch(url);
    for (let i = 0; i < 50 && res.status !== 200; i++) res = await fetch(url);
    const body = (await res.json()) as {
      ok: boolean;
      loop: { running: boolean };
      sensors: { read: boolean; devices: Record<string, string> };
      links: { command: string; telemetry: string };
    };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.ok, true);
    assert.equal(body.loop.running, true);
    assert.equal(body.sensors.read, true);
    for (const d of ["depth", "imu", "power"])
      assert.equal(body.sensors.devices[d], "ok", `${d} in ${JSON.stringify(body.sensors)}`);
    assert.ok(["up", "down"].includes(body.links.command));
  } finally {
    await sim.stop();
  }
});
