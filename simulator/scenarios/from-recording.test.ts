import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { parseScenario } from "./format.ts";
import { scenarioFromRecording } from "./from-recording.ts";
import { toNdjson } from "./outcome.ts";
import { runScenario } from "./run.ts";

const ORIGINAL = [
  '{"scenario":{"duration":8}}',
  '{"at":0.5,"type":"pilot","surge":0,"sway":0,"heave":-0.4,"yaw":0,"pitch":0,"roll":0,"gain":1,"every":0.1,"until":4}',
  '{"at":1,"type":"arm"}',
  '{"at":3,"type":"sim.current","n":0.2,"e":0,"d":0}',
  '{"at":4.1,"type":"mode","mode":"depth-hold"}',
  '{"at":4.2,"type":"pilot","surge":0.3,"sway":0,"heave":0,"yaw":0,"pitch":0,"roll":0,"gain":1,"every":0.1,"until":8}',
  '{"expect":"agent","code":"ARMED","between":[1,1.1]}',
].join("\n");

test("a whole recording becomes a scenario that replays it: the same truth, sample for sample", async () => {
  const original = await runScenario(ORIGINAL, "original");
  const text = scenarioFromRecording(toNdjson(original.records), { source: "rec.ndjson" });
  const skeleton = parseScenario(text, "skeleton");
  assert.equal(skeleton.header.duration, 8);
  assert.match(text, /^\{"at":0\.5,"type":"pilot",.*"every":0\.1,"until":4\}$/m, "a pilot stream is one line");
  assert.match(text, /^\{"at":3,"type":"sim\.current","n":0\.2,"e":0,"d":0\}$/m);
  assert.match(
    text,
    /^# \{"expect":"range","of":"truth\.position\.d","from":0,"to":8,/m,
    "what was seen, commented out",
  );
  const replay = await runScenario(text, "skeleton");
  const truth = (r: typeof original) => r.records.filter((x) => x.type === "truth");
  assert.deepEqual(truth(replay), truth(original));
});

test("an excerpt starts where the vehicle was, armed, in its mode, in the current, at 0 s", async () => {
  const original = await runScenario(ORIGINAL, "original");
  const at5 = original.records.find((r) => r.type === "truth" && (r.t as number) >= 5) as {
    position: { d: number };
  };
  const text = scenarioFromRecording(toNdjson(original.records), { source: "rec", from: 5, to: 7 });
  const s = parseScenario(text, "excerpt");
  assert.equal(s.header.duration, 2);
  assert.equal(s.header.world?.pose?.d, at5.position.d);
  const first = s.script.filter((e) => e.at === 0).map((e) => (e.type === "command" ? e.message.type : e.type));
  assert.deepEqual(first.slice(0, 3), ["sim.current", "arm", "mode"]);
  assert.ok(s.script.every((e) => e.at <= 2));
});

test("bad recordings are SIM_RECORDING naming the line; arbitrary text never throws anything else", () => {
  const cases: [string, RegExp][] = [
    ["{nope", /line 1: not valid JSON/],
    ['{"type":"truth","t":0}\n[1,2]', /line 2: expected a JSON object/],
    ['{"type":"truth"}', /line 1: expected a record with "type" and a numeric "t"/],
    ['{"type":"telemetry","t":1}', /no truth records/],
  ];
  for (const [text, re] of cases)
    assert.throws(
      () => scenarioFromRecording(text, { source: "r" }),
      (e: unknown) => isTethysError(e, "SIM_RECORDING") && re.test(e.message),
      text,
    );
  const truth = '{"type":"truth","t":0,"position":{"n":0,"e":0,"d":1},"roll":0,"pitch":0,"heading":0}';
  assert.throws(
    () => scenarioFromRecording(truth, { source: "r", from: 3 }),
    (e: unknown) => isTethysError(e, "SIM_RECORDING"),
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string(), fc.json()), { maxLength: 6 }), fc.nat(20), (lines, from) => {
      try {
        scenarioFromRecording([truth, ...lines].join("\n"), { source: "r", from, to: from + 5 });
      } catch (e) {
        if (!isTethysError(e, "SIM_RECORDING")) throw e;
      }
    }),
  );
});
