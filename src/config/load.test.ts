import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError, TethysError } from "../kernel/errors.ts";
import { loadConfigFile, parseConfig, requireRole } from "./load.ts";

function configError(fn: () => unknown): TethysError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TethysError, `expected TethysError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected an error");
}

test("an empty section takes every default", () => {
  const { config } = parseConfig("[vehicle]\n", "v.toml");
  assert.equal(config.vehicle?.loop_hz, 50);
  assert.equal(config.vehicle?.telemetry_hz, 10);
  assert.equal(config.vehicle?.hub.host, "127.0.0.1");
  assert.equal(config.log.level, "info");
  assert.equal(config.topside, undefined);
});

test("values from the file are kept", () => {
  const { config } = parseConfig(
    '[vehicle]\nid = "alpha"\nloop_hz = 100\n[vehicle.hub]\nhost = "10.0.0.2"\n[log]\nlevel = "debug"\ncomponents = { dtls = "trace" }\n',
    "v.toml",
  );
  assert.equal(config.vehicle?.id, "alpha");
  assert.equal(config.vehicle?.loop_hz, 100);
  assert.equal(config.vehicle?.hub.host, "10.0.0.2");
  assert.equal(config.vehicle?.hub.command_port, 7700);
  assert.deepEqual(config.log.components, { dtls: "trace" });
});

test("a wrong key is reported with file, key, a suggestion and what was expected", () => {
  const err = configError(() => parseConfig("[vehicle]\nlop_hz = 100\n", "deploy/vehicle.toml"));
  assert.equal(err.code, "CONFIG_INVALID");
  assert.match(
    err.message,
    /^deploy\/vehicle\.toml: vehicle\.lop_hz: unknown key \(did you mean loop_hz\?\); expected one of: id, loop_hz/,
  );
});

test("a wrong value names file, key, expectation and the value given", () => {
  const err = configError(() => parseConfig('[vehicle]\nloop_hz = "fast"\n', "v.toml"));
  assert.equal(err.code, "CONFIG_INVALID");
  assert.match(err.message, /^v\.toml: vehicle\.loop_hz: expected number, received string, got "fast"$/);
  const err2 = configError(() => parseConfig('[metrics]\nlisten = "nowhere"\n', "m.toml"));
  assert.match(err2.message, /m\.toml: metrics\.listen: .*host:port/);
});

test("every problem is listed, not only the first", () => {
  const err = configError(() => parseConfig("[vehicle]\nloop_hz = -1\ntelemetry_hz = 0\nbogus = 1\n", "v.toml"));
  const problems = err.details?.problems as { key: string }[];
  assert.deepEqual(problems.map((p) => p.key).sort(), ["vehicle.bogus", "vehicle.loop_hz", "vehicle.telemetry_hz"]);
});

test("cross-field rule: telemetry rate cannot exceed the loop rate", () => {
  const err = configError(() => parseConfig("[vehicle]\nloop_hz = 20\ntelemetry_hz = 50\n", "v.toml"));
  assert.match(err.message, /vehicle\.telemetry_hz: must not exceed vehicle\.loop_hz \(20\)/);
});

test("TOML syntax errors give line and column", () => {
  const err = configError(() => parseConfig("[vehicle]\nloop_hz = = 3\n", "bad.toml"));
  assert.equal(err.code, "CONFIG_PARSE");
  assert.match(err.message, /^bad\.toml: not valid TOML at line 2, column \d+/);
});

test("environment overrides apply, typed, and a bad one names the variable", () => {
  const env = { TETHYS_VEHICLE__LOOP_HZ: "100", TETHYS_VEHICLE__HUB__HOST: "hub.local", UNRELATED: "x" };
  const { config, sources } = parseConfig("[vehicle]\n", "v.toml", env);
  assert.equal(config.vehicle?.loop_hz, 100);
  assert.equal(config.vehicle?.hub.host, "hub.local");
  assert.deepEqual(sources.env, ["TETHYS_VEHICLE__HUB__HOST", "TETHYS_VEHICLE__LOOP_HZ"]);
  const err = configError(() => parseConfig("[vehicle]\n", "v.toml", { TETHYS_VEHICLE__LOOP_HZ: "fast" }));
  assert.match(err.message, /^TETHYS_VEHICLE__LOOP_HZ: vehicle\.loop_hz: expected number/);
  const err2 = configError(() => parseConfig('[vehicle]\nid = "a"\n', "v.toml", { TETHYS_VEHICLE__ID__X: "1" }));
  assert.equal(err2.code, "CONFIG_ENV");
  assert.equal(configError(() => parseConfig("", "v.toml", { TETHYS_VEHICLE____X: "1" })).code, "CONFIG_ENV");
});

test("TETHYS_ variables without `__` are the tools' own, not overrides, unless they start like a section", () => {
  const tools = { TETHYS_AGENT_RUN: "module", TETHYS_IMAGE: "card.img", TETHYS_TEST_I2C: "1" };
  const { config, sources } = parseConfig("[vehicle]\n", "v.toml", tools);
  assert.equal(config.vehicle?.loop_hz, 50);
  assert.deepEqual(sources.env, []);
  for (const typo of ["TETHYS_VEHICLE_LOOP_HZ", "TETHYS_SIM_SEED", "TETHYS_TOPSIDE"]) {
    const err = configError(() => parseConfig("[vehicle]\n", "v.toml", { [typo]: "1" }));
    assert.equal(err.code, "CONFIG_ENV", typo);
    assert.match(err.message, /two underscores after the section/);
  }
});

test("requireRole demands the role's section", () => {
  const loaded = parseConfig("[topside]\n", "t.toml");
  assert.equal(requireRole(loaded, "topside").http_port, 8080);
  const err = configError(() => requireRole(loaded, "vehicle"));
  assert.equal(err.code, "CONFIG_ROLE");
  assert.match(err.message, /t\.toml: no \[vehicle\] section/);
});

test("a missing file is a CONFIG_READ error naming it", async () => {
  await assert.rejects(
    loadConfigFile("does/not/exist.toml"),
    (err) => isTethysError(err, "CONFIG_READ") && /does\/not\/exist\.toml/.test(err.message),
  );
});

test("loads a file from disk", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-config-"));
  try {
    const file = join(dir, "sim.toml");
    await writeFile(file, '[sim]\nseed = 7\nwater = "sea"\n');
    const { config } = await loadConfigFile(file, {});
    assert.equal(config.sim?.seed, 7);
    assert.equal(config.sim?.water, "sea");
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("arbitrary text never throws anything but a coded TethysError", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parseConfig(text, "fuzz.toml");
      } catch (err) {
        assert.ok(isTethysError(err) && ["CONFIG_PARSE", "CONFIG_INVALID"].includes(err.code), String(err));
      }
    }),
    { numRuns: 500 },
  );
});

test("example configs in deploy/config all validate", async () => {
  const { readdir } = await import("node:fs/promises");
  const dir = new URL("../../deploy/config/", import.meta.url);
  const files = (await readdir(dir)).filter((f) => f.endsWith(".toml"));
  assert.ok(files.length >= 3, `expected vehicle, topside and sim examples, found ${files.join(", ")}`);
  for (const f of files) await loadConfigFile(new URL(f, dir).pathname, {});
});
