import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ReplayWindow } from "./replay-window.ts";

describe("ReplayWindow", () => {
  it("accepts new numbers once and rejects duplicates and numbers behind the window", () => {
    const w = new ReplayWindow(64);
    for (const s of [0, 1, 5, 3]) {
      assert.equal(w.check(s), true);
      w.mark(s);
    }
    assert.equal(w.check(3), false);
    assert.equal(w.check(4), true);
    w.mark(200);
    assert.equal(w.check(136), false, "200 - 64 is outside the window");
    assert.equal(w.check(137), true);
    assert.equal(w.check(200), false);
    assert.equal(w.highest, 200);
  });

  it("handles 48-bit sequence numbers exactly", () => {
    const w = new ReplayWindow(64);
    const top = 2 ** 48 - 2;
    w.mark(top);
    assert.equal(w.check(top), false);
    assert.equal(w.check(top - 1), true);
    w.mark(top - 1);
    assert.equal(w.check(top - 1), false);
  });

  it("agrees with a set-based model for any sequence", () => {
    fc.assert(
      fc.property(fc.constantFrom(32, 64, 128), fc.array(fc.nat(400), { maxLength: 300 }), (size, seqs) => {
        const w = new ReplayWindow(size);
        const seen = new Set<number>();
        let top = -1;
        for (const s of seqs) {
          const expected = !seen.has(s) && s > top - size;
          assert.equal(w.check(s), expected, `seq ${s} top ${top}`);
          if (expected) {
            w.mark(s);
            seen.add(s);
            top = Math.max(top, s);
          }
        }
      }),
    );
  });
});
