import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { checkElf } from "../../src/release/native-modules.ts";
import { loadPublicKey } from "../../src/release/release-key.ts";
import { releaseTarget } from "../../src/release/targets.ts";
import { verifyRelease } from "../../src/release/verify.ts";
import { ARM64_SKIP, arm64Launcher, buildTestBundle, type TestBundle } from "../support/release-bundles.ts";
import { startSimRun } from "../support/sim-run.ts";
import { farthestNorth, flyForward } from "./fly.ts";

/**
 * It runs on ARM: the arm64 bundle, built here with the cross toolchain, runs under
 * qemu-user-static. Its own Node loads its native modules, and the agent from the bundle flies:
 * the simulated world and the hub run on this machine from the source tree, a scripted pilot
 * signs in, arms and drives forward through the agent running as arm64 code.
 */
const run = promisify(execFile);
let bundle: TestBundle;

before(async () => {
  if (ARM64_SKIP === undefined) bundle = await buildTestBundle("arm64");
});
after(async () => {
  if (bundle) await rm(bundle.dir, { recursive: true, force: true });
});

test("the arm64 tarball verifies and its binaries are aarch64", { skip: ARM64_SKIP }, async () => {
  const m = await verifyRelease(bundle.build.tarball, await loadPublicKey(bundle.publicKey));
  assert.equal(m.arch, "arm64");
  const target = releaseTarget("arm64");
  await checkElf(join(bundle.build.dir, "bin", "node"), target, "node");
  await checkElf(join(bundle.build.dir, "lib/node_modules/i2c-bus/build/Release/i2c.node"), target, "i2c-bus");
  await checkElf(join(bundle.build.dir, "lib/node_modules/epoll/build/Release/epoll.node"), target, "epoll");
  await checkElf(
    join(bundle.build.dir, "lib/node_modules/unix-dgram/build/Release/unix_dgram.node"),
    target,
    "unix-dgram",
  );
  assert.deepEqual(Object.keys(m.natives).sort(), ["@serialport/bindings-cpp", "epoll", "i2c-bus", "unix-dgram"]);
});

test("under qemu-user, the bundle's Node loads every native module", { skip: ARM64_SKIP }, async () => {
  const q = arm64Launcher(bundle.build.dir);
  const { stdout } = await run(q.command, [...q.args, "release", "selftest"]);
  for (const m of ["serialport", "i2c-bus", "onoff", "unix-dgram"]) assert.match(stdout, new RegExp(`ok +${m}:`));
  const arch = await run(q.command, [...q.args.slice(0, 3), "-p", "process.arch"]);
  assert.equal(arch.stdout.trim(), "arm64");
});

test("the arm64 agent from the bundle links to the hub and a pilot arms it and moves the simulated vehicle", {
  skip: ARM64_SKIP,
}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-arm64-flight-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const record = join(dir, "truth.ndjson");
  const agentStart = performance.now();
  const sim = await startSimRun({ dir, httpPort: 0, record, agent: arm64Launcher(bundle.build.dir) });
  try {
    const { url, token } = sim.ready;
    process.stdout.write(
      `# figure: world + hub + arm64 agent under qemu-user ready in ${((performance.now() - agentStart) / 1000).toFixed(1)} s\n`,
    );
    await flyForward(url, token);
  } finally {
    await sim.stop();
  }
  const north = await farthestNorth(record);
  assert.ok(north > 0.5, `the vehicle moved only ${north.toFixed(2)} m forward`);
});
