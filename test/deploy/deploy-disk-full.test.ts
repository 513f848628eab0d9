import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { deploy } from "../../src/release/deploy.ts";
import { boardBundle } from "../../src/release/testing/board-bundle.ts";
import { sshBoardSkip, tmpfsSkip } from "../../src/release/testing/ssh-board.ts";
import { requireTool } from "../support/tools.ts";
import { type ProvisionedBoard, provisionedBoard, rejectsWith } from "./board-fixture.ts";

/**
 * The board's disk full: the test board's file system is a 4 MiB tmpfs. A release that fits is
 * installed; one that does not is refused with DEPLOY_DISK_FULL before anything is written, and
 * the installed release keeps running.
 */
const skip = requireTool("sshd", "openssh-server") ?? (await sshBoardSkip()) ?? (await tmpfsSkip());
let b: ProvisionedBoard;
const MiB = 1024 * 1024;
const name = (v: string) => `tethys-${v}-linux-${process.arch}`;

before(async () => {
  if (skip === undefined) b = await provisionedBoard({ tmpfsBytes: 4 * MiB });
});
after(async () => {
  await b?.stop();
});

test("a release too large for the board's disk is refused with a clear error; the old release keeps running", {
  skip,
}, async () => {
  await deploy(await b.deployOptions(await boardBundle(b.work, b.releaseKey.privateKey, "0.1.0", { padBytes: MiB })));
  const large = await boardBundle(b.work, b.releaseKey.privateKey, "0.2.0", { padBytes: 2 * MiB });
  const err = await rejectsWith(deploy(await b.deployOptions(large)), "DEPLOY_DISK_FULL");
  assert.match(err.message, /too little space: .* needed .* free\); nothing was changed/);
  const s = await b.status();
  assert.equal(s.current, name("0.1.0"));
  assert.deepEqual(
    s.releases.map((r) => r.name),
    [name("0.1.0")],
  );
  assert.equal((s.health as { ok: boolean; release: string }).release, name("0.1.0"));
  assert.equal(s.unit.state, "active");
});
