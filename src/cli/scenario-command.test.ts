import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runMain } from "./testing/run-main.ts";

const run = runMain;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tethys-scenario-cli-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HEADER = '{"scenario":{"duration":4,"description":"arm and idle"}}';
const ARM =
  '{"at":0.5,"type":"pilot","surge":0,"sway":0,"heave":0,"yaw":0,"pitch":0,"roll":0,"gain":1,"every":0.1,"until":4}\n{"at":1,"type":"arm"}';

test("scenario check: ok files are summarised; every problem is listed with its line and field; exit 1", async () => {
  const good = join(dir, "good.ndjson");
  await writeFile(good, `${HEADER}\n${ARM}\n{"expect":"agent","code":"ARMED","between":[1,1.1]}\n`);
  const bad = join(dir, "bad.ndjson");
  await writeFile(
    bad,
    [
      '{"scenario":{"duration":4,"control":{"depth":{"kp":-1}}}}',
      '{"at":1,"type":"sim.fault","device":"ms5837","fault":"melt"}',
      '{"expect":"range","of":"truth.position.d","from":1,"to":2,"near":1,"within":-1}',
      "not json",
    ].join("\n"),
  );
  const ok = await run(["scenario", "check", good]);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /good\.ndjson: ok \(4 s, \d+ script events, 1 expectations\)/);
  const r = await run(["scenario", "check", good, bad, join(dir, "missing.ndjson")]);
  assert.equal(r.code, 1);
  assert.match(r.out, /bad\.ndjson line 1: control\.depth\.kp: /);
  assert.match(r.out, /bad\.ndjson line 2: fault: /);
  assert.match(r.out, /bad\.ndjson line 3: within: /);
  assert.match(r.out, /bad\.ndjson line 4: not valid JSON/);
  assert.match(r.out, /missing\.ndjson: cannot read \(ENOENT\)/);
});

test("scenario run: bad options are SIM_CLI_ARG with exit 2; a bad config is exit 1 naming the key", async () => {
  const f = join(dir, "idle.ndjson");
  await writeFile(f, `${HEADER}\n${ARM}\n{"expect":"agent","code":"ARMED","between":[1,1.1]}\n`);
  for (const [flag, value] of [
    ["--jobs", "0"],
    ["--jobs", "two"],
    ["--seed", "-1"],
    ["--seed", "1.5"],
  ] as const) {
    const r = await run(["scenario", "run", f, flag, value]);
    assert.equal(r.code, 2, `${flag} ${value}`);
    assert.match(r.err, new RegExp(`^SIM_CLI_ARG: ${flag}: expected a whole number`));
  }
  const empty = await mkdtemp(join(dir, "empty-"));
  const none = await run(["scenario", "run", empty]);
  assert.equal(none.code, 2);
  assert.match(none.err, /^SIM_CLI_ARG: no scenario files \(\*\.ndjson with a header\) in /);
  assert.equal((await run(["scenario", "run", join(dir, "nope")])).code, 1);
  const cfg = join(dir, "bad.toml");
  await writeFile(cfg, "[vehicle]\n[vehicle.control.depth]\nkp = -3\n");
  const r = await run(["scenario", "run", f, "--config", cfg]);
  assert.equal(r.code, 1);
  assert.match(r.err, /vehicle\.control\.depth\.kp/);
});

test("scenario run: the config's [vehicle.control] is the vehicle, the header overrides it key by key", async () => {
  // The config sets a maximum depth of 1 m; a scenario that dives to 2 m sees FS_MAX_DEPTH
  // unless its header raises the limit; the header's limit leaves the config's pilot timeout alone.
  const cfg = join(dir, "vehicle.toml");
  await writeFile(
    cfg,
    '[vehicle]\nboard = "rpi-pca9685"\n[vehicle.control.failsafe]\nmax_depth_m = 1\npilot_timeout_ms = 500\n',
  );
  const dive = (header: string) =>
    [
      header,
      '{"at":0.5,"type":"pilot","surge":0,"sway":0,"heave":0,"yaw":0,"pitch":0,"roll":0,"gain":1,"every":0.1,"until":10}',
      '{"at":1,"type":"arm"}',
      '{"at":1,"type":"mode","mode":"depth-hold","targetDepth":2}',
      '{"expect":"agent","code":"FS_MAX_DEPTH","active":true,"between":[1,10]}',
      '{"expect":"agent","code":"FS_PILOT_INPUT","active":true,"between":[10.45,10.6],"why":"the config\'s 500 ms timeout"}',
    ].join("\n");
  const limited = join(dir, "limited.ndjson");
  await writeFile(limited, dive('{"scenario":{"duration":12}}'));
  const raised = join(dir, "raised.ndjson");
  await writeFile(raised, dive('{"scenario":{"duration":12,"control":{"failsafe":{"max_depth_m":10}}}}'));
  const junit = join(dir, "merge.xml");
  const r = await run(["scenario", "run", limited, raised, "--config", cfg, "--junit", junit]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /PASS {2}\S*limited\.ndjson/);
  assert.match(r.out, /FAIL {2}\S*raised\.ndjson {2}1 of 2 expectations failed/);
  assert.match(r.out, /✗ line 5: expected FS_MAX_DEPTH raised in 1–10 s; seen FS_MAX_DEPTH raised not in \[1, 10\] s/);
  const xml = await readFile(junit, "utf8");
  assert.match(xml, /<testsuites name="tethys scenarios" tests="4" failures="1" errors="0"/);
});

test("scenario run: a file that is not a scenario is an ERROR line and a JUnit error, exit 1", async () => {
  const f = join(dir, "script-only.ndjson");
  await writeFile(f, `${ARM}\n`);
  const junit = join(dir, "err.xml");
  const r = await run(["scenario", "run", f, "--junit", junit]);
  assert.equal(r.code, 1);
  assert.match(
    r.out,
    /^ERROR \S*script-only\.ndjson: SIM_SCENARIO: \S*script-only\.ndjson: no \{"scenario":\{…\}\} header/m,
  );
  assert.match(r.out, /scenarios: 0 passed, 0 failed, 1 errors/);
  assert.match(await readFile(junit, "utf8"), /<error type="SIM_SCENARIO"/);
});

test("scenario from-recording: a skeleton on stdout or in a file; bad times exit 2, a bad recording exit 1", async () => {
  const f = join(dir, "rec-src.ndjson");
  await writeFile(f, `${HEADER}\n${ARM}\n{"expect":"agent","code":"ARMED","between":[1,1.1]}\n`);
  const recDir = join(dir, "recs");
  assert.equal((await run(["scenario", "run", f, "--record", recDir])).code, 0);
  const rec = join(recDir, "rec-src.ndjson");
  const r = await run(["scenario", "from-recording", rec, "--from", "2", "--to", "4"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^\{"scenario":\{"duration":2,/);
  assert.match(r.out, /^\{"at":0,"type":"arm"\}$/m);
  const out = join(dir, "skeleton.ndjson");
  assert.equal((await run(["scenario", "from-recording", rec, "--out", out])).code, 0);
  assert.equal((await run(["scenario", "check", out])).code, 0);
  assert.equal((await run(["scenario", "from-recording", rec, "--from", "3", "--to", "1"])).code, 2);
  assert.equal((await run(["scenario", "from-recording", rec, "--from", "x"])).code, 2);
  const bad = await run(["scenario", "from-recording", f]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /rec-src\.ndjson: line 1: expected a record with "type" and a numeric "t"/);
  const unwritable = await run([
    "scenario",
    "from-recording",
    rec,
    "--out",
    join(dir, "no", "such", "dir", "x.ndjson"),
  ]);
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.err, /--out: cannot write .*\(ENOENT\)/);
});

test("scenario run: scenarios of the same name in two folders keep a recording each", async () => {
  const text = `${HEADER}\n${ARM}\n{"expect":"agent","code":"ARMED","between":[1,1.1]}\n`;
  for (const sub of ["one", "two"]) {
    await mkdir(join(dir, "same", sub), { recursive: true });
    await writeFile(join(dir, "same", sub, "idle.ndjson"), text);
  }
  const recs = join(dir, "same-recs");
  const r = await run(["scenario", "run", join(dir, "same"), "--record", recs]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual((await readdir(recs)).sort(), ["idle-2.ndjson", "idle.ndjson"]);
});
