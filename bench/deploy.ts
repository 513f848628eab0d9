// `npm run bench deploy`: tethys provision, a first deploy, an update and a rollback against the
// test board over loopback (Debian's sshd; src/release/testing/ssh-board.ts), with bundles padded
// to a real release tarball's size (43 MiB, incompressible). The board's `tethys` in these
// bundles is the source tree's (type stripping: 1.3–2.6 s per start here, a bundle's own starts in
// 0.45–0.9 s), and it starts three times per deploy (install, config check, /health), so the
// figures are upper bounds for a real bundle on this machine. Prints figures; asserts nothing.
import { loadavg } from "node:os";
import { runMain } from "../src/cli/testing/run-main.ts";
import { deploy } from "../src/release/deploy.ts";
import { boardBundle } from "../src/release/testing/board-bundle.ts";
import { sshBoardSkip } from "../src/release/testing/ssh-board.ts";
import { provisionedBoard } from "../test/deploy/board-fixture.ts";

const skip = await sshBoardSkip();
if (skip !== undefined) {
  process.stdout.write(`skipped: ${skip}\n`);
  process.exit(0);
}
const MiB = 1024 * 1024;
const load = () => loadavg()[0]?.toFixed(1);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
let t = performance.now();
const b = await provisionedBoard();
try {
  process.stdout.write(
    `provision, first run (31 changes, with starting the board): ${seconds(performance.now() - t)} (load ${load()})\n`,
  );
  t = performance.now();
  const again = await b.provisionCli();
  process.stdout.write(
    `provision, second run (${again.out.includes("nothing to change") ? "nothing to change" : "CHANGED"}): ${seconds(performance.now() - t)} (load ${load()})\n`,
  );
  const v1 = await boardBundle(b.work, b.releaseKey.privateKey, "1.0.0", { padBytes: 43 * MiB });
  const v2 = await boardBundle(b.work, b.releaseKey.privateKey, "1.0.1", { padBytes: 43 * MiB });
  t = performance.now();
  await deploy(await b.deployOptions(v1));
  process.stdout.write(
    `deploy, first install of a 43 MiB tarball: ${seconds(performance.now() - t)} (load ${load()})\n`,
  );
  let uploadMs = 0;
  t = performance.now();
  await deploy({
    ...(await b.deployOptions(v2)),
    onProgress: (p) => {
      if (p.done) uploadMs = p.elapsedMs;
    },
  });
  process.stdout.write(
    `deploy, update to a new 43 MiB release (verify, upload, install, restart, /health ok): ${seconds(performance.now() - t)}, of which the upload ${seconds(uploadMs)} (${((43 * 1000) / Math.max(uploadMs, 1)).toFixed(0)} MiB/s) (load ${load()})\n`,
  );
  t = performance.now();
  const r = await runMain(["deploy", b.board.target().host, "--rollback", ...b.sshArgs]);
  if (r.code !== 0) throw new Error(r.err);
  process.stdout.write(`deploy --rollback (swap, restart): ${seconds(performance.now() - t)} (load ${load()})\n`);
} finally {
  await b.stop();
}
