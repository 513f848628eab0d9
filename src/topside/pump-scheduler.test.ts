import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { PumpScheduler } from "./pump-scheduler.ts";

test("sessions are pumped once per schedule, in batches of one turn each", async () => {
  const s = new PumpScheduler(2);
  const pumped: number[][] = [[]];
  const make = (id: number) => ({ pump: () => pumped.at(-1)?.push(id) });
  const ps = [1, 2, 3, 4, 5].map(make);
  for (const p of ps) s.schedule(p);
  s.schedule(ps[0] as (typeof ps)[0]); // already scheduled: pumped once
  s.cancel(ps[4] as (typeof ps)[0]);
  for (let i = 0; i < 4; i++) {
    await turn();
    pumped.push([]);
  }
  assert.deepEqual(
    pumped.filter((b) => b.length > 0),
    [
      [1, 2],
      [3, 4],
    ],
  );
  assert.equal(s.pending, 0);
});

test("a pump's returned cost counts against the turn's budget; one over budget runs alone", async () => {
  const s = new PumpScheduler(100);
  const turns: string[][] = [[]];
  const make = (id: string, cost: number) => ({
    pump: () => {
      turns.at(-1)?.push(id);
      return cost;
    },
  });
  for (const p of [make("a", 60), make("b", 60), make("big", 500), make("c", 10), make("d", 10)]) s.schedule(p);
  for (let i = 0; i < 5; i++) {
    await turn();
    turns.push([]);
  }
  assert.deepEqual(
    turns.filter((t) => t.length > 0),
    [["a", "b"], ["big"], ["c", "d"]],
  );
});

test("a budget that is not a positive number is refused", () => {
  for (const b of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => new PumpScheduler(b), RangeError);
});
