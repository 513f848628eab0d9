import assert from "node:assert/strict";
import { test } from "node:test";
import type { FlashProgress } from "./avrdude-output.ts";
import { ProgressPrinter, renderBar } from "./progress-printer.ts";

const steps = (phase: FlashProgress["phase"]): FlashProgress[] =>
  Array.from({ length: 51 }, (_, i) => ({ phase, percent: i * 2 }));

test("renders a bar proportional to the percentage", () => {
  assert.equal(renderBar({ phase: "write", percent: 50 }, 10), "Writing   [#####-----]  50%");
  assert.equal(renderBar({ phase: "verify", percent: 100 }, 4), "Verifying [####] 100%");
});

test("without a terminal, prints one plain line per 10 % and per phase", () => {
  const out: string[] = [];
  const p = new ProgressPrinter((t) => out.push(t), false);
  for (const s of [...steps("write"), ...steps("verify")]) p.update(s);
  const lines = out.join("").split("\n").filter(Boolean);
  assert.equal(lines.length, 22);
  assert.deepEqual(lines.slice(0, 3), ["writing 0%", "writing 10%", "writing 20%"]);
  assert.equal(lines[10], "writing 100%");
  assert.equal(lines[21], "verifying 100%");
  assert.ok(!out.join("").includes("\r"));
});

test("on a terminal, redraws one line per phase and ends it at 100 %", () => {
  const out: string[] = [];
  const p = new ProgressPrinter((t) => out.push(t), true);
  for (const s of [...steps("write"), ...steps("verify")]) p.update(s);
  const text = out.join("");
  assert.equal(text.split("\n").length - 1, 2);
  assert.ok(text.includes(`\r${renderBar({ phase: "write", percent: 40 })}`));
  assert.ok(text.endsWith(`${renderBar({ phase: "verify", percent: 100 })}\n`));
});

test("a bar left open by a failure is closed by finishLine, once", () => {
  const out: string[] = [];
  const p = new ProgressPrinter((t) => out.push(t), true);
  p.update({ phase: "write", percent: 40 });
  p.finishLine();
  p.finishLine();
  assert.equal(out.join("").split("\n").length - 1, 1);
});
