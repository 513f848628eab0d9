import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Debouncer } from "./debounce.ts";

test("a level that holds for the settle time becomes stable; a bounce that returns does not", () => {
  const d = new Debouncer(0, 50, 500);
  assert.equal(d.input(1, 0), 50);
  assert.equal(d.due(49), undefined);
  assert.equal(d.input(1, 10), 50, "a repeated level keeps the first deadline");
  assert.equal(d.due(50), 1);
  assert.equal(d.stable, 1);
  assert.equal(d.input(0, 100), 600, "clearing uses its own, longer time");
  assert.equal(d.input(1, 120), undefined, "bounced back to the stable level");
  assert.equal(d.due(700), undefined);
  assert.equal(d.stable, 1);
});

test("property: the stable level only changes to a level that held for its settle time", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom<0 | 1>(0, 1), fc.integer({ min: 0, max: 80 })), { maxLength: 50 }),
      (steps) => {
        const d = new Debouncer(0, 30, 60);
        let t = 0;
        let raw: 0 | 1 = 0;
        let since = 0;
        for (const [level, gap] of steps) {
          const before = d.stable;
          const changed = d.due(t);
          if (changed !== undefined) {
            const need = changed === 1 ? 30 : 60;
            if (raw !== changed || t - since < need || before === changed) return false;
          }
          if (level !== raw) {
            raw = level;
            since = t;
          }
          d.input(level, t);
          t += gap;
        }
        return true;
      },
    ),
  );
});
