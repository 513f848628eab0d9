import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { devBundle, sourceStamp } from "./dev-bundle.ts";

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tethys-dev-bundle-"));
  await mkdir(join(dir, "src", "cli"), { recursive: true });
  await writeFile(join(dir, "src", "cli", "a.ts"), "export const a = 1;\n");
  await writeFile(join(dir, "src", "cli", "a.test.ts"), "// a test\n");
  await writeFile(join(dir, "package.json"), "{}\n");
  return dir;
}

test("the source stamp follows sources and package files, not tests", async () => {
  const dir = await project();
  try {
    const s0 = await sourceStamp(dir);
    assert.equal(await sourceStamp(dir), s0, "same tree, same stamp");
    await writeFile(join(dir, "src", "cli", "a.test.ts"), "// another test, longer than before\n");
    assert.equal(await sourceStamp(dir), s0, "a test file is not part of the bundle");
    await writeFile(join(dir, "src", "cli", "a.ts"), "export const a = 22;\n");
    const s1 = await sourceStamp(dir);
    assert.notEqual(s1, s0, "a changed source changes the stamp");
    const later = new Date(Date.now() + 60_000);
    await utimes(join(dir, "src", "cli", "a.ts"), later, later);
    const s2 = await sourceStamp(dir);
    assert.notEqual(s2, s1, "a touched source changes the stamp");
    await writeFile(join(dir, "package-lock.json"), "{}\n");
    assert.notEqual(await sourceStamp(dir), s2, "a new lock file changes the stamp");
    await writeFile(join(dir, "src", "cli", "b.ts"), "export const b = 1;\n");
    assert.notEqual(await sourceStamp(dir), s2, "a new source changes the stamp");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a current bundle is reused; a stale one is rebuilt, and a failed build leaves no partial file", async () => {
  const dir = await project();
  try {
    const out = join(dir, "dist", "dev");
    await mkdir(out, { recursive: true });
    await writeFile(join(out, "agent.mjs"), "// cached bundle\n");
    await writeFile(join(out, "agent.mjs.stamp"), await sourceStamp(dir));
    const cached = await devBundle(dir);
    assert.equal(cached.built, false);
    assert.equal(cached.file, join(out, "agent.mjs"));
    assert.equal(await readFile(cached.file, "utf8"), "// cached bundle\n");

    // Stale: a rebuild is attempted; this tree has no src/cli/agent-main.ts, so esbuild fails.
    await writeFile(join(dir, "src", "cli", "a.ts"), "export const a = 3;\n");
    await assert.rejects(devBundle(dir));
    assert.equal(await readFile(join(out, "agent.mjs"), "utf8"), "// cached bundle\n", "the old bundle is untouched");
    assert.deepEqual(
      (await readdir(out)).sort(),
      ["agent.blob.stamp", "agent.mjs", "agent.mjs.stamp"],
      "no temporary file left (the snapshot's failure is remembered in its stamp)",
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the agent bundle of this tree runs `tethys vehicle` and carries no other command", async () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const { file } = await devBundle(root);
  const help = execFileSync(process.execPath, [file, "--help"], { encoding: "utf8" });
  assert.match(help, /^\s+vehicle\b/m);
  for (const other of ["topside", "sim", "scenario", "release", "flash"])
    assert.doesNotMatch(help, new RegExp(`^\\s+${other}\\b`, "m"), `${other} is not in the agent bundle`);
  const vehicleHelp = execFileSync(process.execPath, [file, "vehicle", "--help"], { encoding: "utf8" });
  assert.match(vehicleHelp, /--config <file>/);
});

test("the agent's startup snapshot runs the same program, its arguments after the blob", async () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const { snapshot, snapshotError } = await devBundle(root);
  assert.ok(snapshot !== undefined, `no snapshot: ${snapshotError}`);
  const vehicleHelp = execFileSync(process.execPath, ["--snapshot-blob", snapshot, "vehicle", "--help"], {
    encoding: "utf8",
  });
  assert.match(vehicleHelp, /run the vehicle agent/);
  assert.match(vehicleHelp, /--config <file>/);
  // A start from the snapshot reads its config at run time: a missing file is this run's error.
  const missing = join(tmpdir(), `tethys-no-such-config-${process.pid}.toml`);
  const r = spawnSync(process.execPath, ["--snapshot-blob", snapshot, "vehicle", "--config", missing], {
    encoding: "utf8",
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /CONFIG_READ|cannot read config file/);
  assert.match(r.stderr + r.stdout, new RegExp(missing.replace(/[.]/g, "\\.")));
});
