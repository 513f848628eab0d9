import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import { DeadlineTimer } from "./deadline-timer.ts";

/** A timer on a VirtualClock for an engine whose deadline the test moves; `e.calls` records when handleTimeout ran. */
function setup() {
  const clock = new VirtualClock();
  const e = engine();
  return { clock, e, t: new DeadlineTimer(clock, e) };
}

function engine() {
  const e = {
    deadline: undefined as number | undefined,
    calls: [] as number[],
    nextDeadline: () => e.deadline,
    handleTimeout: (now: number) => {
      e.calls.push(now);
      if (e.deadline !== undefined && now >= e.deadline) e.deadline = undefined;
    },
  };
  return e;
}

describe("DeadlineTimer", () => {
  it("fires at the engine's deadline and re-arms for the next one", () => {
    const { clock, e, t } = setup();
    e.deadline = 100;
    t.schedule();
    assert.equal(clock.pending, 1);
    clock.advance(100);
    assert.deepEqual(e.calls, [100]);
    assert.equal(clock.pending, 0, "nothing due: no timer");
  });

  it("keeps one timer: an earlier deadline replaces it, a later one keeps it (it fires early, then re-arms)", () => {
    const { clock, e, t } = setup();
    e.deadline = 1000;
    t.schedule();
    e.deadline = 200;
    t.schedule();
    assert.equal(clock.pending, 1);
    assert.equal(clock.nextDue(), 200);
    e.deadline = 5000;
    t.schedule();
    assert.equal(clock.nextDue(), 200);
    clock.advance(200);
    assert.deepEqual(e.calls, [200]);
    assert.equal(clock.nextDue(), 5000);
  });

  it("cancel leaves no timer", () => {
    const { clock, e, t } = setup();
    e.deadline = 100;
    t.schedule();
    t.cancel();
    assert.equal(clock.pending, 0);
    clock.advance(1000);
    assert.deepEqual(e.calls, []);
  });
});
