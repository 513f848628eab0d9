import assert from "node:assert/strict";
import { test } from "node:test";
import { parseListen } from "../../src/cli/sim-command.ts";
import { parseSimBus } from "../../src/cli/vehicle-command.ts";
import { parseBusTarget } from "./socket-server.ts";

test("the sim-bus address syntax, as the world and the agent read it", () => {
  assert.deepEqual(parseBusTarget("tcp:7800"), { port: 7800 });
  assert.deepEqual(parseBusTarget("tcp:sim.local:7800"), { host: "sim.local", port: 7800 });
  assert.deepEqual(parseBusTarget("unix:/run/tethys.sock"), { path: "/run/tethys.sock" });
  for (const bad of ["tcp:", "tcp:99999", "udp:1", "unix:", "tcp:a b:1", "7800"])
    assert.equal(parseBusTarget(bad), undefined, bad);
  // The world listens on loopback only, any port (0 picks one).
  assert.deepEqual(parseListen("tcp:0"), { host: "127.0.0.1", port: 0 });
  assert.throws(() => parseListen("tcp:sim.local:7800"), { code: "SIM_CLI_ARG" });
  // The agent dials a host, which defaults to loopback, on a real port.
  assert.deepEqual(parseSimBus("tcp:7800"), { host: "127.0.0.1", port: 7800 });
  assert.deepEqual(parseSimBus("tcp:10.0.0.5:7800"), { host: "10.0.0.5", port: 7800 });
  assert.throws(() => parseSimBus("tcp:0"), { code: "CONFIG_INVALID" });
});
