import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { generateKeys } from "../../src/keys/generate.ts";
import { buildTestBundle, type TestBundle, X64_SKIP } from "../support/release-bundles.ts";
import { startSimRun } from "../support/sim-run.ts";
import { requireTool } from "../support/tools.ts";

/**
 * The x64 bundle as a board (or a topside box) gets it: its own `tethys` verifies the signed
 * tarball and refuses a copy with one byte changed; its native modules load; and the agent from
 * the bundle, started the way systemd starts a Type=notify unit (NOTIFY_SOCKET, WATCHDOG_USEC),
 * sends READY=1 once its loop runs, WATCHDOG=1 from the loop, and STOPPING=1 on the way out,
 * over a real Unix datagram socket (socat stands in for systemd's end).
 */
const run = promisify(execFile);
let bundle: TestBundle;

before(async () => {
  if (X64_SKIP === undefined) bundle = await buildTestBundle("x64");
});
after(async () => {
  if (bundle) await rm(bundle.dir, { recursive: true, force: true });
});

const tethys = () => join(bundle.build.dir, "bin", "tethys");

test("the bundle's tethys verifies the signed tarball and refuses a copy with one byte changed", {
  skip: X64_SKIP,
}, async () => {
  const ok = await run(tethys(), ["release", "verify", bundle.build.tarball, "--key", bundle.publicKey]);
  assert.match(ok.stdout, /^ok: tethys \S+ \(\w{12}\) linux-x64, \d+ files verified/);

  const copy = join(bundle.dir, "tampered");
  await cp(bundle.build.dir, copy, { recursive: true });
  const program = join(copy, "lib", "tethys.mjs");
  const bytes = await readFile(program);
  bytes.writeUInt8((bytes.at(100) ?? 0) ^ 1, 100);
  await writeFile(program, bytes);
  const refused = await run(tethys(), ["release", "verify", copy, "--key", bundle.publicKey]).catch(
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal("code" in refused ? refused.code : 0, 1);
  assert.match(refused.stderr, /lib\/tethys\.mjs: content differs from the signed manifest/);
});

test("the bundle's native modules load under its own Node", { skip: X64_SKIP }, async () => {
  const { stdout } = await run(tethys(), ["release", "selftest"]);
  for (const m of ["serialport", "i2c-bus", "onoff", "unix-dgram"]) assert.match(stdout, new RegExp(`ok +${m}:`));
});

const socatSkip = X64_SKIP ?? requireTool("socat", "socat");

test("under a stand-in systemd the agent sends READY=1, WATCHDOG=1 from its loop and STOPPING=1", {
  skip: socatSkip,
}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-notify-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const socketPath = join(dir, "notify");
  const socat = spawn("socat", ["-u", `UNIX-RECV:${socketPath}`, "-"], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => socat.kill());
  let received = "";
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  socat.stdout.setEncoding("utf8").on("data", (d: string) => {
    received += d;
    for (const w of waiters.filter((x) => x.re.test(received))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const seen = (re: RegExp) =>
    re.test(received) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ re, resolve }));

  const sim = await startSimRun({
    dir,
    httpPort: 0,
    agent: {
      command: join(bundle.build.dir, "bin", "node"),
      args: [join(bundle.build.dir, "lib", "tethys.mjs")],
      env: { ...process.env, NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: "400000" },
    },
  });
  try {
    await seen(/READY=1\nSTATUS=control loop running/);
    await seen(/WATCHDOG=1[\s\S]*WATCHDOG=1/);
  } finally {
    await sim.stop();
  }
  await seen(/STOPPING=1/);
  assert.ok(received.indexOf("READY=1") < received.indexOf("WATCHDOG=1"), "READY=1 comes first");
});

test("the bundle's topside hub serves the bundled cockpit when static_dir is not set", { skip: X64_SKIP }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-bundle-topside-"));
  const keys = await generateKeys({ dir: join(dir, "keys"), configDir: dir });
  const config = join(dir, "topside.toml");
  await writeFile(
    config,
    `[metrics]\nlisten = ""\n[topside]\nhttp_port = 0\ncommand_port = 0\ntelemetry_port = 0\n[topside.auth]\nanonymous_observers = true\n\n${await readFile(keys.files.topsideSnippet, "utf8")}`,
  );
  const hub = spawn(tethys(), ["topside", "--config", config], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: hub.stdout }).on("line", (line) => {
        if (line.includes('"msg":"ready"')) resolve((JSON.parse(line) as { url: string }).url);
      });
      hub.once("exit", (code) => reject(new Error(`the hub exited (${code}) before it was ready`)));
    });
    assert.match(await (await fetch(url)).text(), /<title>Tethys cockpit<\/title>/);
  } finally {
    hub.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
});
