/** The scenario injection events of script.ts (battery, link, stall, temperature, disturbance) and repeated commands. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../src/kernel/errors.ts";
import { parseScript } from "./script.ts";

test("injection events parse with their fields", () => {
  const evs = parseScript(
    [
      '{"at":1,"type":"sim.battery","sag":3}',
      '{"at":2,"type":"sim.battery","soc":0.05}',
      '{"at":3,"type":"sim.link","link":"command","up":false}',
      '{"at":4,"type":"sim.link","link":"telemetry","up":true}',
      '{"at":5,"type":"sim.stall","ms":800}',
      '{"at":6,"type":"sim.temp","c":80}',
      '{"at":7,"type":"sim.disturb","roll":20,"r":30}',
    ].join("\n"),
  );
  assert.deepEqual(
    evs.map(({ line: _l, ...e }) => e),
    [
      { at: 1, type: "sim.battery", sag: 3 },
      { at: 2, type: "sim.battery", soc: 0.05 },
      { at: 3, type: "sim.link", link: "command", up: false },
      { at: 4, type: "sim.link", link: "telemetry", up: true },
      { at: 5, type: "sim.stall", ms: 800 },
      { at: 6, type: "sim.temp", c: 80 },
      { at: 7, type: "sim.disturb", roll: 20, r: 30 },
    ],
  );
});

test("a command with every/until repeats from at to until inclusive, all from its line", () => {
  const evs = parseScript('{"at":1,"type":"disarm","every":0.25,"until":2}\n{"at":1.5,"type":"arm"}');
  assert.deepEqual(
    evs.map((e) => [e.at, e.type === "command" ? e.message.type : e.type, e.line]),
    [
      [1, "disarm", 1],
      [1.25, "disarm", 1],
      [1.5, "disarm", 1],
      [1.5, "arm", 2],
      [1.75, "disarm", 1],
      [2, "disarm", 1],
    ],
  );
});

test("bad injection lines are SIM_SCRIPT errors naming the line", () => {
  const bad = [
    '{"at":1,"type":"sim.battery"}',
    '{"at":1,"type":"sim.battery","sag":-1}',
    '{"at":1,"type":"sim.battery","soc":1.5}',
    '{"at":1,"type":"sim.link","link":"video","up":false}',
    '{"at":1,"type":"sim.link","link":"command"}',
    '{"at":1,"type":"sim.stall","ms":0}',
    '{"at":1,"type":"sim.temp","c":"hot"}',
    '{"at":1,"type":"sim.disturb","roll":500}',
    '{"at":1,"type":"sim.disturb","yaw":5}',
    '{"at":1,"type":"disarm","every":0,"until":5}',
    '{"at":1,"type":"disarm","every":1}',
    '{"at":5,"type":"disarm","every":1,"until":2}',
    '{"at":0,"type":"disarm","every":0.01,"until":20000}',
  ];
  for (const line of bad) {
    assert.throws(
      () => parseScript(`# header\n${line}`),
      (e: unknown) => isTethysError(e, "SIM_SCRIPT") && e.message.includes("line 2"),
      line,
    );
  }
});

test("property: any JSON object line either parses or throws SIM_SCRIPT", () => {
  const types = fc.constantFrom("sim.battery", "sim.link", "sim.stall", "sim.temp", "sim.disturb", "pilot", "disarm");
  fc.assert(
    fc.property(
      fc.record({ at: fc.oneof(fc.double(), fc.integer()), type: types }),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })),
      (base, extra) => {
        try {
          parseScript(JSON.stringify({ ...extra, ...base }));
        } catch (e) {
          assert.ok(isTethysError(e, "SIM_SCRIPT"), String(e));
        }
      },
    ),
  );
});
