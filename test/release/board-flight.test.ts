import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runMain } from "../../src/cli/testing/run-main.ts";
import { VERSION } from "../../src/cli/version.ts";
import { boardStatus } from "../../src/release/deploy.ts";
import { generateReleaseKey } from "../../src/release/release-key.ts";
import { type SshBoard, sshBoardSkip, startSshBoard } from "../../src/release/testing/ssh-board.ts";
import { freePort } from "../deploy/board-fixture.ts";
import { ARM64_SKIP, ROOT } from "../support/release-bundles.ts";
import { startSimRun } from "../support/sim-run.ts";
import { findTool, requireTool } from "../support/tools.ts";
import { farthestNorth, flyForward } from "./fly.ts";

/**
 * Done when: `tethys release --arch arm64`, then `tethys provision` and `tethys deploy` to the
 * test board (Debian's sshd; the board runs arm64 programs through qemu-user in its own
 * binfmt_misc), then a scripted pilot flies the simulated vehicle through the deployed agent.
 * The world and the hub run from the source tree; the agent is the one systemd (the test
 * board's stand-in) runs from /opt/tethys/current after the health-gated deploy.
 */
const SHIM = fileURLToPath(new URL("./deployed-agent.ts", import.meta.url));
const skip = ARM64_SKIP ?? requireTool("sshd", "openssh-server") ?? (await sshBoardSkip({ arm64: true }));
let board: SshBoard | undefined;
let work: string | undefined;
after(async () => {
  await board?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test("release --arch arm64, provision and deploy to the test board, then a pilot flies through the deployed agent", {
  skip,
}, async () => {
  work = await mkdtemp(join(tmpdir(), "tethys-board-flight-"));
  const key = await generateReleaseKey(join(work, "release-key"));
  let started = performance.now();
  const built = await runMain([
    "release",
    "--arch",
    "arm64",
    "--out",
    join(work, "out"),
    "--signing-key",
    key.privateKey,
    "--cache",
    join(ROOT, "dist", "cache"),
    ...(findTool("avr-gcc") === undefined ? ["--no-firmware"] : []),
  ]);
  assert.equal(built.code, 0, built.err);
  process.stdout.write(
    `# figure: tethys release --arch arm64 took ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  const tarball = join(work, "out", `tethys-${VERSION}-linux-arm64.tar.gz`);

  board = await startSshBoard({ arm64: true });
  const target = board.target();
  const healthPort = await freePort();
  const spec = {
    host: target.host,
    target: { ...target, acceptNewHostKey: true },
    sshArgs: [
      "-p",
      String(target.port),
      "-i",
      target.identity ?? "",
      "--known-hosts",
      target.knownHosts,
      "--board-root",
      board.root,
    ],
    tarball,
    releaseKey: key.publicKey,
    healthPort,
    unitLog: join(board.root, ".system", "tethys-vehicle.log"),
  };
  const record = join(work, "truth.ndjson");
  started = performance.now();
  const sim = await startSimRun({
    dir: join(work, "sim"),
    httpPort: 0,
    record,
    agent: { command: process.execPath, args: [SHIM], env: { ...process.env, BOARD_SHIM_SPEC: JSON.stringify(spec) } },
  });
  try {
    const { url, token } = sim.ready;
    for (const l of sim.output)
      if (l.includes("# figure:"))
        process.stdout.write(`${l.replace(/^.*?# figure:/, "# figure:")} (arm64 board under qemu-user)\n`);
    process.stdout.write(
      `# figure: world + hub, then provision + deploy of the arm64 release and its agent ready in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    const s = await boardStatus({
      target,
      layout: board.layout,
      unit: "tethys-vehicle",
      healthUrl: `http://127.0.0.1:${healthPort}/health`,
    });
    assert.equal(s.current, `tethys-${VERSION}-linux-arm64`);
    assert.equal(s.unit.state, "active");
    assert.equal((s.health as { ok: boolean }).ok, true, JSON.stringify(s.health));
    await flyForward(url, token);
  } finally {
    await sim.stop();
  }
  const north = await farthestNorth(record);
  assert.ok(north > 0.5, `the vehicle moved only ${north.toFixed(2)} m forward`);
});
