import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runMain } from "./testing/run-main.ts";

const run = runMain;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tethys-cli-"));
});
after(async () => {
  await rm(dir, { recursive: true });
});

test("config check accepts a good file and names its sections", async () => {
  const file = join(dir, "good.toml");
  await writeFile(file, "[vehicle]\nloop_hz = 100\n");
  const r = await run(["config", "check", file]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /good\.toml: ok \(sections: log, metrics, vehicle\)/);
});

test("config check --role vehicle checks what the agent needs: the example config has no PSK", async () => {
  const example = fileURLToPath(new URL("../../deploy/config/vehicle.toml", import.meta.url));
  const r = await run(["config", "check", example, "--role", "vehicle"]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.err, /^tethys: vehicle\.link\.psk is not set/);
});

test("config check --role checks keys as the services read them: ok with tethys keys, refused when unsafe", async () => {
  const keys = join(dir, "keys");
  assert.equal((await run(["keys", "--dir", keys, "--vehicle", "rov1"])).code, 0);
  const vehicle = join(dir, "vehicle.toml");
  const topside = join(dir, "topside.toml");
  await writeFile(vehicle, `[vehicle]\nid = "rov1"\n${await readFile(join(keys, "vehicle.snippet.toml"), "utf8")}`);
  await writeFile(topside, `[topside]\n${await readFile(join(keys, "topside.snippet.toml"), "utf8")}`);
  const v = await run(["config", "check", vehicle, "--role", "vehicle"]);
  assert.equal(v.code, 0, v.err);
  assert.match(v.out, /vehicle: PSK, certificates and hub pin readable/);
  const t = await run(["config", "check", topside, "--role", "topside"]);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /topside: 1 vehicle PSK, certificates readable/);
  await chmod(join(keys, "rov1.psk"), 0o644);
  const unsafe = await run(["config", "check", vehicle, "--role", "vehicle"]);
  assert.equal(unsafe.code, 1);
  assert.match(unsafe.err, /rov1\.psk is readable by group or others/);
  await rm(join(keys, "rov1.psk"));
  const missing = await run(["config", "check", topside, "--role", "topside"]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /rov1\.psk: cannot read \(ENOENT\)/);
});

test("config check reports a wrong key with file, key and expectation, exit 1", async () => {
  const file = join(dir, "bad.toml");
  await writeFile(file, "[vehicle]\nloop_hz = 100\nteletry_hz = 5\n");
  const r = await run(["config", "check", file]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^tethys: .*bad\.toml: vehicle\.teletry_hz: unknown key \(did you mean telemetry_hz\?\)/);
});

test("config check --role demands the section", async () => {
  const file = join(dir, "topside.toml");
  await writeFile(file, "[topside]\n");
  const r = await run(["config", "check", file, "--role", "vehicle"]);
  assert.equal(r.code, 1);
  assert.match(r.err, /no \[vehicle\] section/);
  const r2 = await run(["config", "check", file, "--role", "pilot"]);
  assert.equal(r2.code, 1);
  assert.match(r2.err, /--role must be one of vehicle, topside, sim/);
});

test("unknown commands are usage errors, exit 2", async () => {
  const r = await run(["fly"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command 'fly'/);
});

test("config print shows defaults applied", async () => {
  const file = join(dir, "print.toml");
  await writeFile(file, "[sim]\n");
  const r = await run(["config", "print", file]);
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.out).sim.water, "fresh");
});

test("the tethys bin runs under the project's Node and sets the exit code", async () => {
  const bin = fileURLToPath(new URL("./tethys.ts", import.meta.url));
  const file = join(dir, "bin.toml");
  await writeFile(file, "[vehicle]\nloop_hz = 0\n");
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, "config", "check", file], (error, _stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stderr });
    });
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /vehicle\.loop_hz: Too small: expected number to be >0, got 0/);
});

test("config check --role vehicle validates the agent's state file as the agent loads it", async () => {
  const keys = join(dir, "state-keys");
  assert.equal((await run(["keys", "--dir", keys, "--vehicle", "rov1"])).code, 0);
  const vehicle = join(dir, "state-vehicle.toml");
  const snippet = await readFile(join(keys, "vehicle.snippet.toml"), "utf8");
  await writeFile(vehicle, `[vehicle]\nid = "rov1"\nstate_file = "rov1-state.json"\n${snippet}`);
  const none = await run(["config", "check", vehicle, "--role", "vehicle"]);
  assert.equal(none.code, 0, none.err);
  assert.match(none.out, /state file: no depth zero, reversed thrusters \[\], 0 ESC ranges, IMU calibration not saved/);
  const state = {
    version: 1,
    depth: { surfacePa: 101_200, water: "salt" },
    thrusters: [null, { reversed: true, range: null }],
    imuOffsets: null,
  };
  await writeFile(join(dir, "rov1-state.json"), JSON.stringify(state));
  const ok = await run(["config", "check", vehicle, "--role", "vehicle"]);
  assert.match(ok.out, /depth zero 1012\.0 mbar salt, reversed thrusters \[2\]/);
  await writeFile(join(dir, "rov1-state.json"), JSON.stringify({ ...state, depth: { surfacePa: 5, water: "salt" } }));
  const bad = await run(["config", "check", vehicle, "--role", "vehicle"]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /depth\.surfacePa/);
});
