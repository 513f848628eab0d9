import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain } from "../../src/cli/testing/run-main.ts";
import { isTethysError } from "../../src/kernel/errors.ts";
import { generateKeys } from "../../src/keys/generate.ts";
import { type BoardStatus, boardStatus, type DeployOptions } from "../../src/release/deploy.ts";
import { generateReleaseKey, loadPublicKey } from "../../src/release/release-key.ts";
import { type SshBoard, type SshBoardOptions, startSshBoard } from "../../src/release/testing/ssh-board.ts";

/**
 * A provisioned test board for the deploy tests: the board (sshd, its file system in a
 * temporary folder), a release key, `tethys keys` for rov1 and a vehicle config whose
 * `[metrics] listen` is the port the board's agent serves /health on.
 */
export interface ProvisionedBoard {
  board: SshBoard;
  work: string;
  releaseKey: { privateKey: string; publicKey: string };
  healthUrl: string;
  files: { config: string; keys: string };
  /** What the first `tethys provision` printed. */
  firstProvision: string;
  sshArgs: string[];
  deployOptions: (tarball: string, more?: Partial<DeployOptions>) => Promise<DeployOptions>;
  status: () => Promise<BoardStatus>;
  provisionCli: (extra?: string[]) => Promise<{ code: number; out: string; err: string }>;
  stop: () => Promise<void>;
}

/** A port nothing listens on now, from the kernel's ephemeral range (the board's agent binds it). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const a = s.address();
  await new Promise((r) => s.close(r));
  if (typeof a !== "object" || a === null) throw new Error("no port");
  return a.port;
}

export async function provisionedBoard(o: SshBoardOptions & { configExtra?: string } = {}): Promise<ProvisionedBoard> {
  const work = await mkdtemp(join(tmpdir(), "tethys-deploy-test-"));
  const releaseKey = await generateReleaseKey(join(work, "release-key"));
  const board = await startSshBoard(o);
  // A fresh Raspberry Pi OS boot partition, without the settings the board profiles need.
  await mkdir(join(board.root, "boot/firmware"), { recursive: true });
  await writeFile(join(board.root, "boot/firmware/config.txt"), "[all]\ndtparam=audio=on\ndtparam=i2c_arm=off");
  const port = await freePort();
  const healthUrl = `http://127.0.0.1:${port}/health`;
  const keys = await generateKeys({ dir: join(work, "keys"), vehicleId: "rov1", configDir: work });
  const config = join(work, "vehicle.toml");
  await writeFile(
    config,
    `[metrics]\nlisten = "127.0.0.1:${port}"\n\n[vehicle]\nid = "rov1"\nboard = "rpi-pca9685"\n${o.configExtra ?? ""}\n${await readFile(keys.files.vehicleSnippet, "utf8")}`,
  );
  const files = { config, keys: join(work, "keys") };
  const t = board.target();
  const sshArgs = [
    "-p",
    String(t.port),
    "-i",
    t.identity ?? "",
    "--known-hosts",
    t.knownHosts,
    "--board-root",
    board.root,
  ];
  const provisionCli = (extra: string[] = []) =>
    runMain([
      "provision",
      t.host,
      "--config",
      config,
      "--keys",
      files.keys,
      "--key",
      releaseKey.publicKey,
      ...sshArgs,
      ...extra,
    ]);
  // First contact: the board's host key is recorded.
  const first = await provisionCli(["--accept-new-host-key"]);
  assert.equal(first.code, 0, first.err);
  return {
    board,
    work,
    releaseKey,
    healthUrl,
    files,
    firstProvision: first.out,
    sshArgs,
    provisionCli,
    deployOptions: async (tarball, more = {}) => ({
      target: board.target(),
      layout: board.layout,
      tarball,
      publicKey: await loadPublicKey(releaseKey.publicKey),
      unit: "tethys-vehicle",
      healthUrl,
      healthTimeoutS: 4,
      keep: 3,
      allowArmed: false,
      ...more,
    }),
    status: () => boardStatus({ target: board.target(), layout: board.layout, unit: "tethys-vehicle", healthUrl }),
    stop: async () => {
      await board.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}

export async function rejectsWith(p: Promise<unknown>, code: string): Promise<Error> {
  const err = await p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(isTethysError(err, code), `expected ${code}, got ${String(err)}`);
  return err as Error;
}
