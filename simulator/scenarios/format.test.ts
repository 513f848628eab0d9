import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { analyseScenario, isScenario, parseScenario } from "./format.ts";

const HEADER = '{"scenario":{"duration":10,"world":{"pose":{"d":2}},"control":{"failsafe":{"max_depth_m":4}}}}';

test("a scenario splits into header, script (line numbers kept) and expectations", () => {
  const s = parseScenario(
    [
      HEADER,
      '{"at":1,"type":"arm"}',
      '{"expect":"range","of":"truth.position.d","from":2,"to":9,"near":2,"within":0.05}',
      '{"at":0.5,"type":"sim.temp","c":30}',
      '{"expect":"agent","code":"FS_LEAK","active":true,"between":[1,2],"why":"x"}',
      '{"expect":"change","of":"telemetry.depth","from":1,"to":2,"min":0.5}',
      '{"expect":"stop","of":"truth.heading","at":2,"to":9,"settle":2,"within":2,"overshoot":5,"angle":true}',
    ].join("\n"),
    "t.ndjson",
  );
  assert.equal(s.header.duration, 10);
  assert.deepEqual(s.header.world?.pose, { d: 2 });
  assert.equal(s.header.control.failsafe.max_depth_m, 4);
  assert.equal(s.header.control.linearize, true, "[vehicle.control] defaults filled in");
  assert.deepEqual(
    s.script.map((e) => [e.type, e.line]),
    [
      ["sim.temp", 4],
      ["command", 2],
    ],
  );
  assert.deepEqual(
    s.expectations.map((e) => [e.expect, e.line]),
    [
      ["range", 3],
      ["agent", 5],
      ["change", 6],
      ["stop", 7],
    ],
  );
  assert.ok(isScenario(HEADER));
  assert.ok(isScenario('# c\n  { "scenario" : { "duration": 1 } }'), "whitespace in the JSON");
  assert.equal(
    parseScenario('{ "scenario": { "duration": 3 } }\n{ "expect": "agent", "code": "ARMED", "between": [0, 1] }')
      .expectations.length,
    1,
  );
  assert.ok(!isScenario('{"at":1,"type":"arm"}'));
});

test("bad scenarios are SIM_SCENARIO errors naming the line", () => {
  const cases: [string, number][] = [
    ['{"at":1,"type":"arm"}', 0], // no header
    [`${HEADER}\n${HEADER}`, 2],
    ['{"scenario":{"duration":0}}', 1],
    ['{"scenario":{"duration":5,"control":{"depth":{"kp":-1}}}}', 1],
    ['{"scenario":{"duration":5,"colour":"red"}}', 1],
    ['{"scenario":{"duration":5},"x":1}', 1],
    [`${HEADER}\n{"expect":"range","of":"truth.position.d","from":5,"to":1,"max":1}`, 2],
    [`${HEADER}\n{"expect":"range","of":"truth.position.d","from":1,"to":5}`, 2],
    [`${HEADER}\n{"expect":"range","of":"truth.position.d","from":1,"to":5,"near":1}`, 2],
    [`${HEADER}\n{"expect":"range","of":"world.x","from":1,"to":5,"max":1}`, 2],
    [`${HEADER}\n{"expect":"change","of":"truth.position.d","from":1,"to":5}`, 2],
    [`${HEADER}\n{"expect":"agent","code":"FS_LEAK","between":[5,1]}`, 2],
    [`${HEADER}\n{"expect":"sometimes"}`, 2],
    [`${HEADER}\n{"expect":"stop","of":"truth.position.d","at":5,"to":7,"settle":3,"within":0.05,"overshoot":0.1}`, 2],
    [`${HEADER}\n{"expect":"stop","of":"truth.position.d","at":5,"to":9,"settle":3,"within":0.05}`, 2],
    [`${HEADER}\n{"expect":"stop","of":"truth.heading","at":5,"to":9,"settle":-1,"within":2,"overshoot":5}`, 2],
    [`${HEADER}\n{"expect" nope`, 2],
    [`${HEADER}\n\n{"at":1,"type":"sim.temp"}`, 3],
  ];
  for (const [text, line] of cases) {
    assert.throws(
      () => parseScenario(text, "bad.ndjson"),
      (e: unknown) =>
        isTethysError(e, "SIM_SCENARIO") && e.message.includes(line === 0 ? "bad.ndjson" : `line ${line}`),
      text,
    );
  }
});

test("property: any expectation object either parses or throws SIM_SCENARIO", () => {
  const kinds = fc.constantFrom("range", "agent", "change", "other");
  fc.assert(
    fc.property(
      kinds,
      fc.dictionary(
        fc.constantFrom("of", "from", "to", "near", "within", "min", "max", "code", "between", "none", "equals"),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      (kind, rest) => {
        try {
          parseScenario(`${HEADER}\n${JSON.stringify({ expect: kind, ...rest })}`);
        } catch (e) {
          assert.ok(isTethysError(e, "SIM_SCENARIO"), String(e));
        }
      },
    ),
  );
});

test("property: analyseScenario (tethys scenario check) never throws; each problem names a line in the file", () => {
  const line = fc.oneof(
    fc.string(),
    fc.json(),
    fc.constant(HEADER),
    fc.constant('{"at":1,"type":"arm"}'),
    fc.constant('{"expect":"agent","code":"ARMED","between":[0,1]}'),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
      const r = analyseScenario(lines.join("\n"), "f");
      assert.equal(r.scenario === undefined, r.problems.length > 0);
      for (const p of r.problems) {
        assert.ok(p.message.length > 0);
        if (p.line !== undefined) assert.ok(p.line >= 1 && p.line <= Math.max(1, lines.length));
      }
    }),
  );
});

test("analyseScenario lists every problem, not only the first", () => {
  const r = analyseScenario(
    [
      '{"scenario":{"duration":-1}}',
      '{"at":1,"type":"sim.temp"}',
      '{"expect":"change","of":"truth.position.d","from":1,"to":5}',
    ].join("\n"),
    "f",
  );
  assert.deepEqual(
    r.problems.map((p) => p.line),
    [1, 2, 3],
  );
});
