import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { requireTool } from "../../test/support/tools.ts";
import { isTethysError } from "../kernel/errors.ts";
import { RealClock } from "../kernel/real-clock.ts";
import { httpHealth, switchWithHealthGate } from "./health-gate.ts";
import { activateRelease, installRelease, releaseState } from "./install.ts";
import { generateReleaseKey, loadPublicKey } from "./release-key.ts";
import { FakeServiceManager } from "./testing/fake-service-manager.ts";
import { signedTarball } from "./testing/signed-bundle.ts";

/**
 * The health-gated switch on a board (a temporary root) with a stand-in systemd whose agent is
 * healthy or not per release. The outcomes do not depend on timing: a healthy agent answers
 * ok at once, an unhealthy one never does (the short timeout only bounds the test).
 */
const skip = requireTool("tar", "tar");
let dir: string;
let keys: Awaited<ReturnType<typeof generateReleaseKey>>;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tethys-gate-"));
  keys = await generateReleaseKey(join(dir, "key"));
});
after(() => rm(dir, { recursive: true, force: true }));

async function boardWith(versions: string[]): Promise<{ root: string; names: string[] }> {
  const root = await mkdtemp(join(dir, "board-"));
  const names: string[] = [];
  for (const v of versions) {
    const tar = await signedTarball(dir, keys.privateKey, v);
    const r = await installRelease({
      root,
      tarball: tar,
      publicKey: await loadPublicKey(keys.publicKey),
      arch: "arm64",
    });
    names.push(r.name);
  }
  return { root, names };
}

const gate = (root: string, name: string, manager: FakeServiceManager, allowArmed = false) =>
  switchWithHealthGate({
    root,
    name,
    keep: 3,
    unit: "tethys-vehicle",
    manager,
    health: manager.health,
    clock: new RealClock(),
    timeoutMs: 300,
    intervalMs: 20,
    allowArmed,
  });

test("a healthy update switches and stays; the agent was restarted on it", { skip }, async () => {
  const { root, names } = await boardWith(["1.0.0", "1.1.0"]);
  const [v1, v2] = names as [string, string];
  await activateRelease(root, v1);
  const m = new FakeServiceManager(async () => (await releaseState(root)).current, [v1, v2]);
  await m.restart("tethys-vehicle");
  const r = await gate(root, v2, m);
  assert.deepEqual([r.from, r.to, r.health.ok], [v1, v2, true]);
  assert.equal(m.runningRelease, v2);
  assert.equal((await releaseState(root)).current, v2);
});

test("an update that does not become healthy is rolled back and the old release restarted", { skip }, async () => {
  const { root, names } = await boardWith(["1.0.0", "2.0.0"]);
  const [v1, v2] = names as [string, string];
  await activateRelease(root, v1);
  const m = new FakeServiceManager(async () => (await releaseState(root)).current, [v1]);
  await m.restart("tethys-vehicle");
  await assert.rejects(
    gate(root, v2, m),
    (e) => isTethysError(e, "RELEASE_UNHEALTHY") && (e as Error).message.includes(`rolled back to ${v1}`),
  );
  assert.equal((await releaseState(root)).current, v1);
  assert.equal(m.runningRelease, v1, "the old release runs again");
  assert.deepEqual(m.calls, ["restart tethys-vehicle", "restart tethys-vehicle", "restart tethys-vehicle"]);
});

test("refused while the vehicle is armed, unless overridden; nothing switches", { skip }, async () => {
  const { root, names } = await boardWith(["1.0.0", "1.1.0"]);
  const [v1, v2] = names as [string, string];
  await activateRelease(root, v1);
  const m = new FakeServiceManager(async () => (await releaseState(root)).current, [v1, v2]);
  await m.restart("tethys-vehicle");
  m.armed = true;
  await assert.rejects(gate(root, v2, m), (e) => isTethysError(e, "RELEASE_ARMED"));
  assert.equal((await releaseState(root)).current, v1);
  assert.equal((await gate(root, v2, m, true)).to, v2);
});

test("a first install that does not become healthy fails without a release to go back to", { skip }, async () => {
  const { root, names } = await boardWith(["1.0.0"]);
  const m = new FakeServiceManager(async () => (await releaseState(root)).current, []);
  await assert.rejects(
    gate(root, names[0] as string, m),
    (e) => isTethysError(e, "RELEASE_UNHEALTHY") && /no previous release/.test((e as Error).message),
  );
});

test("httpHealth: `ok` takes the agent's verdict; `loop` is met by a running loop whose devices are missing", async () => {
  // What the agent serves with no I2C device fitted (the SD image in QEMU): 503, loop running.
  let body = { ok: false, loop: { running: true }, sensors: { read: false } };
  const server = createServer((_req, res) => {
    res.writeHead(body.ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  try {
    assert.equal((await httpHealth(url)()).ok, false);
    assert.equal((await httpHealth(url, 2000, "loop")()).ok, true);
    body = { ok: false, loop: { running: false }, sensors: { read: false } };
    assert.equal((await httpHealth(url, 2000, "loop")()).ok, false, "a stalled loop is never healthy");
    body = { ok: true, loop: { running: true }, sensors: { read: true } };
    assert.equal((await httpHealth(url)()).ok, true);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  assert.equal((await httpHealth(url, 2000, "loop")()).ok, false, "no answer is not healthy");
});
