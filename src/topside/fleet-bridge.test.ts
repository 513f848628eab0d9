import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../kernel/errors.ts";
import { configHash } from "./fleet-bridge.ts";
import { startFleetFixture } from "./testing/fleet-fixture.ts";

test("a missing password file is FLEET_FILE naming the key and the path; nothing starts", async () => {
  await assert.rejects(
    startFleetFixture(["rov1"], { broker: "mqtt://127.0.0.1:1", password_file: "nowhere.pass" }),
    (e) =>
      isTethysError(e, "FLEET_FILE") && /fleet\.password_file: cannot read .*nowhere\.pass \(ENOENT\)/.test(e.message),
  );
  await assert.rejects(
    startFleetFixture(["rov1"], { broker: "mqtts://127.0.0.1:1", ca: "missing-ca.pem" }),
    (e) => isTethysError(e, "FLEET_FILE") && /fleet\.ca/.test(e.message),
  );
});

test("the config hash is 16 hex digits, stable, and changes with the config", () => {
  const a = configHash({ topside: { http_port: 8080 } });
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.equal(configHash({ topside: { http_port: 8080 } }), a);
  assert.notEqual(configHash({ topside: { http_port: 8081 } }), a);
});

test("with the broker unreachable the bridge runs: stats say down, events wait in the queue", async () => {
  const fx = await startFleetFixture(["rov1", "rov2"], { broker: "mqtt://127.0.0.1:1", backoff_initial_ms: 10_000 });
  try {
    const [v] = fx.vehicles as [NonNullable<(typeof fx.vehicles)[0]>];
    v.event({ type: "alarm", severity: "critical", code: "FS_LEAK", active: true, text: "leak" });
    v.telemetry({ armed: true });
    const s = fx.bridge.stats();
    assert.deepEqual(Object.keys(s).sort(), ["rov1", "rov2"]);
    assert.equal(s.rov1?.up, false);
    assert.equal(s.rov1?.queued, 1);
    assert.equal(s.rov2?.queued, 0);
  } finally {
    await fx.stop();
  }
});

test("no fleet code can command a vehicle: sendCommand appears nowhere in it", async () => {
  const { globSync, readFileSync } = await import("node:fs");
  const root = new URL("../../", import.meta.url);
  const files = globSync("{src/fleet/*.ts,src/links/mqtt/*.ts,src/topside/fleet-*.ts,src/cli/fleet-command.ts}", {
    cwd: root,
  }).filter((f) => !f.endsWith(".test.ts"));
  assert.ok(files.length >= 10, `only ${files.length} files`);
  for (const f of files) assert.doesNotMatch(readFileSync(new URL(f, root), "utf8"), /sendCommand/, f);
});
