import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../src/kernel/errors.ts";
import { parseScript } from "./script.ts";

test("a valid script parses, sorted by time (ties in file order), comments skipped", () => {
  const evs = parseScript(
    [
      '{"at":2,"type":"sim.fault","device":"ms5837","fault":"missing"}',
      "# a comment",
      "",
      '{"at":1,"type":"sim.thrusters","pwm":[1500,1500,1500,1500,1900,0]}',
      '{"at":1,"type":"sim.current","n":0.3,"e":0,"d":0}',
      '{"at":5,"type":"sim.fault","device":"ina260","fault":"nack-burst","count":20}',
      '{"at":6,"type":"sim.thrusters","pwm":null}',
    ].join("\n"),
  );
  assert.deepEqual(
    evs.map((e) => [e.at, e.type, e.line]),
    [
      [1, "sim.thrusters", 4],
      [1, "sim.current", 5],
      [2, "sim.fault", 1],
      [5, "sim.fault", 6],
      [6, "sim.thrusters", 7],
    ],
  );
});

const bad = (text: string, re: RegExp) =>
  assert.throws(
    () => parseScript(text, "s.ndjson"),
    (e: unknown) => isTethysError(e, "SIM_SCRIPT") && re.test(e.message),
  );

test("bad lines fail with SIM_SCRIPT naming the line and the problem", () => {
  bad('{"at":1,"type":"sim.current","n":0,"e":0,"d":0}\n{"at":1,', /s\.ndjson line 2: not valid JSON/);
  bad('{"at":-1,"type":"sim.current","n":0,"e":0,"d":0}', /line 1: at:/);
  bad('{"at":1,"type":"sim.warp"}', /line 1: type/);
  bad('{"at":1,"type":"sim.thrusters","pwm":[1500,1500]}', /line 1: pwm/);
  bad('{"at":1,"type":"sim.thrusters","pwm":[1500,1500,1500,1500,1500,2500]}', /pwm\.5: pulse must be/);
  bad('{"at":1,"type":"sim.fault","device":"gps","fault":"missing"}', /line 1: device/);
  bad('{"at":1,"type":"sim.fault","device":"leak","fault":"stuck"}', /takes fault "leak" or "clear"/);
  bad('{"at":1,"type":"sim.current","n":0,"e":0,"d":0,"x":1}', /line 1: /);
  bad("[1,2]", /line 1: /);
});

test("arbitrary text parses or fails with SIM_SCRIPT, never anything else (property)", () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string(), fc.json()), { maxLength: 5 }), (lines) => {
      try {
        parseScript(lines.join("\n"));
      } catch (e) {
        assert.ok(isTethysError(e, "SIM_SCRIPT"), String(e));
      }
    }),
  );
});
