import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateExpectations } from "../expect.ts";
import { parseScenario } from "../format.ts";
import { renderReport } from "./render.ts";
import { reportData } from "./report-data.ts";

const scenario = parseScenario(
  [
    '{"scenario":{"duration":3}}',
    '{"expect":"range","of":"truth.position.d","from":0,"to":2,"near":1,"within":0.1}',
    '{"expect":"range","of":"truth.position.d","from":0,"to":2,"max":1.5}',
    '{"expect":"range","of":"telemetry.mode","from":0,"to":2,"equals":"depth-hold"}',
    '{"expect":"agent","code":"FS_LEAK","active":true,"between":[1,1.5]}',
  ].join("\n"),
  "s",
);
const records = [
  { type: "truth", t: 0, position: { d: 1 } },
  { type: "truth", t: 1, position: { d: 1.05 } },
  { type: "truth", t: 2, position: { d: 1.3 } },
  { type: "telemetry", t: 0.5, mode: "manual" },
  { type: "telemetry", t: 1.5, mode: "depth-hold" },
  { type: "agent", t: 1.2, message: { type: "alarm", severity: "critical", code: "FS_LEAK", active: true } },
  { type: "agent", t: 0.1, message: { type: "event", severity: "info", code: "ARMED" } },
];

test("report data: a plot per quantity named, its expectations' windows and bands, alarms as markers", () => {
  const d = reportData(records, evaluateExpectations(records, scenario.expectations));
  assert.deepEqual(
    d.plots.map((p) => p.path),
    ["truth.position.d", "telemetry.mode"],
  );
  const depth = d.plots[0];
  assert.deepEqual(depth?.series, { t: [0, 1, 2], v: [1, 1.05, 1.3] });
  assert.deepEqual(
    depth?.marks.map((m) => [m.line, m.pass, m.lo, m.hi, m.at]),
    [
      [2, false, 0.9, 1.1, 2],
      [3, true, undefined, 1.5, undefined],
    ],
  );
  const mode = d.plots[1];
  assert.deepEqual(mode?.series.categories, ["manual", "depth-hold"]);
  assert.deepEqual([mode?.marks[0]?.lo, mode?.marks[0]?.pass, mode?.marks[0]?.at], [1, false, 0.5]);
  assert.deepEqual(d.windows, [
    { line: 5, label: "FS_LEAK raised in 1–1.5 s", code: "FS_LEAK", from: 1, to: 1.5, pass: true },
  ]);
  assert.deepEqual(
    d.events.map((e) => [e.t, e.code, e.active]),
    [
      [1.2, "FS_LEAK", true],
      [0.1, "ARMED", undefined],
    ],
  );
});

test("the page escapes what comes from a scenario file, and its data cannot close the script element", () => {
  const evil = '</script><script>alert("x")</script>';
  const page = renderReport(
    [
      {
        file: evil,
        name: evil,
        description: evil,
        status: "fail",
        seed: 1,
        simS: 1,
        wallMs: 1,
        checks: [{ line: 1, kind: "range", expected: evil, failure: evil }],
        report: { plots: [{ path: evil, series: { t: [0], v: [0] }, marks: [] }], events: [], windows: [] },
      },
    ],
    ["recordings/x.ndjson"],
    { summary: evil, config: evil },
    "/*script*/",
    "/*css*/",
  );
  assert.equal(page.split("<script").length - 1, 2, "the data element and the page script only");
  assert.ok(!page.includes('alert("x")'));
  assert.match(page, /<div class="banner fail" id="verdict">FAIL — 1 of 1 scenarios failed/);
});
