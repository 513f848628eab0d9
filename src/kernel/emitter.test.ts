import assert from "node:assert/strict";
import { test } from "node:test";
import { Emitter } from "./emitter.ts";

test("listeners get the value and the further arguments; on returns the remover, off reports removal", () => {
  const e = new Emitter<0 | 1, [timeMs: number]>();
  const got: [number, number][] = [];
  const listener = (v: 0 | 1, t: number) => got.push([v, t]);
  const remove = e.on(listener);
  e.emit(1, 10);
  remove();
  e.emit(0, 20);
  assert.deepEqual(got, [[1, 10]]);
  e.on(listener);
  assert.equal(e.off(listener), true);
  assert.equal(e.off(listener), false);
  assert.equal(e.size, 0);
});

test("emit calls the listeners registered when it starts, in order", () => {
  const e = new Emitter<string>();
  const calls: string[] = [];
  const late = () => calls.push("late");
  const second = () => calls.push("second");
  e.on(() => {
    calls.push("first");
    e.on(late);
    e.off(second);
  });
  e.on(second);
  e.emit("x");
  assert.deepEqual(calls, ["first", "second"]);
  calls.length = 0;
  e.emit("y");
  assert.deepEqual(calls, ["first", "late"]);
});

test("isolate (default) swallows a listener's error; propagate lets it out of emit", () => {
  const boom = () => {
    throw new Error("boom");
  };
  const isolated = new Emitter<number>();
  let after = 0;
  isolated.on(boom);
  isolated.on(() => after++);
  isolated.emit(1);
  assert.equal(after, 1);
  const direct = new Emitter<number>({ listenerErrors: "propagate" });
  direct.on(boom);
  direct.on(() => after++);
  assert.throws(() => direct.emit(1), /boom/);
  assert.equal(after, 1);
});

test("clear removes every listener", () => {
  const e = new Emitter<number>();
  let n = 0;
  e.on(() => n++);
  e.on(() => n++);
  e.clear();
  e.emit(1);
  assert.equal(n, 0);
  assert.equal(e.size, 0);
});
