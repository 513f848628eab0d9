import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { isTethysError } from "../kernel/errors.ts";
import { bundleProgram } from "./bundle-js.ts";
import { dependencyClosure, NATIVE_ROOTS } from "./native-modules.ts";
import { releaseTarget } from "./targets.ts";

/**
 * The fast parts of a release that need no registry and no cross toolchain: the program bundle
 * runs on plain Node (no type stripping), the native modules' run-time closure, the targets.
 * The whole bundle for x64 and arm64 (under qemu-user) is `npm run test:release`.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);
let dir: string;
let program: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tethys-bundle-"));
  program = join(dir, "tethys.mjs");
  await bundleProgram({ projectDir: ROOT, outFile: program });
});
after(() => rm(dir, { recursive: true, force: true }));

test("the bundled program runs without type stripping and checks a config", async () => {
  const { stdout } = await run(process.execPath, ["--no-experimental-strip-types", program, "--version"]);
  assert.match(stdout, /^\d+\.\d+\.\d+\n$/);
  const check = await run(process.execPath, [program, "config", "check", join(ROOT, "deploy/config/vehicle.toml")]);
  assert.match(check.stdout, /ok/i);
});

test("inside the bundle, tethys sim (it builds the cockpit with esbuild) refuses with RELEASE_NOT_IN_BUNDLE instead of crashing", async () => {
  const full = await run(process.execPath, [program, "sim"], { cwd: dir }).catch(
    (e: { stdout: string; stderr: string; code: number }) => e,
  );
  assert.match(`${full.stdout}${full.stderr}`, /RELEASE_NOT_IN_BUNDLE|development tool/);
});

test("the native modules' run-time closure has their bindings and loaders, no dev packages", async () => {
  const names = (await dependencyClosure(ROOT, NATIVE_ROOTS)).map((d) => relative(join(ROOT, "node_modules"), d));
  for (const n of [
    "serialport",
    "@serialport/bindings-cpp",
    "i2c-bus",
    "onoff",
    "epoll",
    "unix-dgram",
    "bindings",
    "nan",
  ])
    assert.ok(names.includes(n), `${n} missing from ${names.join(", ")}`);
  for (const n of ["esbuild", "typescript", "node-gyp", "zod"]) assert.ok(!names.includes(n), `${n} in the closure`);
});

test("targets: arm64 and x64; 32-bit ARM is refused with the reason", () => {
  assert.equal(releaseTarget("arm64").toolchain.CC, "aarch64-linux-gnu-gcc");
  assert.equal(releaseTarget("x64").serialportPrebuild, "linux-x64");
  assert.throws(
    () => releaseTarget("armv7"),
    (err: unknown) => isTethysError(err, "RELEASE_ARCH") && /Node 20/.test((err as Error).message),
  );
});
