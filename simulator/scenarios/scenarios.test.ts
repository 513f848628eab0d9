import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runHeadless } from "../headless.ts";
import { MemorySink } from "../recorder.ts";
import { parseScript } from "../script.ts";
import { isScenario } from "./format.ts";

const dir = fileURLToPath(new URL("./", import.meta.url));

// Bare scripts only; scenario files (with a header and expectations) run in test/scenarios/.
for (const name of readdirSync(dir).filter(
  (n) => n.endsWith(".ndjson") && !isScenario(readFileSync(dir + n, "utf8")),
)) {
  test(`scenario ${name} parses and runs`, async () => {
    const script = parseScript(readFileSync(dir + name, "utf8"), name);
    assert.ok(script.length > 0);
    const last = Math.max(...script.map((e) => e.at));
    const sink = new MemorySink();
    await runHeadless({ durationS: last + 1, script, sink, readingHz: 2, world: { pose: { d: 5 } } });
    const events = sink.records.filter((r) => r.type === "script");
    assert.equal(events.length, script.length);
    assert.ok(
      events.every((e) => e.error === undefined),
      JSON.stringify(events.find((e) => e.error !== undefined)),
    );
  });
}
