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
