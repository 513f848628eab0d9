import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { runMain } from "../../src/cli/testing/run-main.ts";
import { runRemote, type SshTarget } from "../../src/release/ssh.ts";

/**
 * The vehicle agent as `runSimSystem` starts it (`… vehicle --config FILE`), but put on the test
 * board by the topside commands a user runs: `tethys provision` with the config the simulator
 * wrote (its keys beside it) and `tethys deploy` of the release tarball. Then it follows the
 * deployed agent's log on the board (the unit's output, as `journalctl -f` would), so the
 * simulator sees the agent's own `ready` line; when the simulator stops it (SIGTERM, or its
 * lifeline stdin closing), it stops the unit on the board. BOARD_SHIM_SPEC (JSON) names the board.
 */
interface Spec {
  host: string;
  target: SshTarget;
  sshArgs: string[];
  tarball: string;
  releaseKey: string;
  healthPort: number;
  unitLog: string;
}
const spec = JSON.parse(process.env.BOARD_SHIM_SPEC ?? "{}") as Spec;
const args = process.argv.slice(2);
const simConfig = args[args.indexOf("--config") + 1] ?? "";
const say = (l: string) => process.stderr.write(`${l}\n`);

// The board's agent serves /health where the health gate looks for it.
const config = join(dirname(simConfig), "board-vehicle.toml");
await writeFile(
  config,
  (await readFile(simConfig, "utf8")).replace(/^listen = .*$/m, `listen = "127.0.0.1:${spec.healthPort}"`),
  { mode: 0o600 },
);
const step = async (argv: string[]) => {
  const started = performance.now();
  const r = await runMain(argv);
  say(`${r.out.trim()}\n${r.err.trim()}`);
  say(`# figure: tethys ${argv[0]} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (r.code !== 0) process.exit(r.code);
};
await step([
  "provision",
  spec.host,
  "--config",
  config,
  "--keys",
  join(dirname(simConfig), "keys"),
  "--key",
  spec.releaseKey,
  "--accept-new-host-key",
  ...spec.sshArgs,
]);
await step([
  "deploy",
  spec.host,
  spec.tarball,
  "--key",
  spec.releaseKey,
  "--health",
  `http://127.0.0.1:${spec.healthPort}/health`,
  "--health-timeout",
  "240",
  ...spec.sshArgs,
]);

const follow = new AbortController();
const tail = runRemote(spec.target, `exec tail -n +1 -F '${spec.unitLog}'`, {
  onStdout: (d) => process.stdout.write(d),
  signal: follow.signal,
}).catch(() => {});
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  follow.abort();
  await runRemote(spec.target, "systemctl stop tethys-vehicle").catch(() => {});
  await tail;
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
process.stdin.on("end", () => void stop()).resume();
