import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../kernel/errors.ts";
import { parseConfig } from "./load.ts";

const invalid = (text: string, re: RegExp) =>
  assert.throws(
    () => parseConfig(text, "t.toml"),
    (e) => isTethysError(e, "CONFIG_INVALID") && re.test(e.message),
  );

test("[fleet] takes defaults for every key but the broker", () => {
  const { config } = parseConfig('[fleet]\nbroker = "mqtt://127.0.0.1:1883"\n', "t.toml");
  assert.equal(config.fleet?.site, "site");
  assert.equal(config.fleet?.protocol, "auto");
  assert.equal(config.fleet?.keepalive_s, 30);
  assert.equal(config.fleet?.queue_limit, 1000);
});

test("[fleet] refuses what would be unsafe or unusable, naming the key", () => {
  invalid("[fleet]\n", /fleet\.broker/);
  invalid('[fleet]\nbroker = "mqtts://b:8883"\n', /fleet\.ca: mqtts:\/\/ needs the broker's CA pinned/);
  invalid('[fleet]\nbroker = "mqtt://b:1883"\nca = "ca.pem"\n', /fleet\.broker: ca and cert need an mqtts/);
  invalid('[fleet]\nbroker = "mqtts://b"\nca = "c"\ncert = "x"\n', /fleet\.cert: cert and key go together/);
  invalid('[fleet]\nbroker = "ws://b"\n', /fleet\.broker/);
  invalid('[fleet]\nbroker = "mqtt://b"\nsite = "a/#"\n', /fleet\.site/);
  invalid('[fleet]\nbroker = "mqtt://b"\nprotocol = "4"\n', /fleet\.protocol/);
  invalid('[fleet]\nbroker = "mqtt://b"\nqueue_limit = 0\n', /fleet\.queue_limit/);
  invalid('[fleet]\nbroker = "mqtt://b"\npassword = "x"\n', /fleet\.password/);
  invalid('[fleet]\nbroker = "mqtt://b"\n[fleet.vehicles.rov1]\npassword_file = "p"\ncert = "c"\n', /cert and key/);
});
