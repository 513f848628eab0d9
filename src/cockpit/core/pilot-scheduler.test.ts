import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { INITIAL_PILOT_SCHEDULE, PILOT_PERIOD_MS, type PilotSchedule, pilotFrame } from "./pilot-scheduler.ts";

const P = PILOT_PERIOD_MS;

/** Runs frames at the given times; returns the times of the frames that sent, and what they sent. */
function frames(times: number[], piloting: (i: number) => boolean = () => true) {
  let s: PilotSchedule = INITIAL_PILOT_SCHEDULE;
  const sent: { at: number; value: number }[] = [];
  times.forEach((now, i) => {
    const f = pilotFrame(s, now, piloting(i), i);
    s = f.schedule;
    if (f.send !== undefined) sent.push({ at: now, value: f.send });
  });
  return sent;
}

/** Frame times from a start and the intervals between frames. */
const times = (start: number, intervals: number[]) => {
  const out = [start];
  for (const d of intervals) out.push((out[out.length - 1] as number) + d);
  return out;
};

test("at 60 fps the pilot input goes out at 25 Hz, not every third frame (20 Hz)", () => {
  const t = Array.from({ length: 600 }, (_, i) => 1000 + (i * 1000) / 60); // 10 s
  const sent = frames(t);
  assert.ok(Math.abs(sent.length - 250) <= 1, `${sent.length} in 10 s`);
});

test("nothing goes out unless the page holds the pilot role; taking it sends at once", () => {
  const t = times(1000, Array(100).fill(16));
  assert.equal(frames(t, () => false).length, 0);
  const sent = frames(t, (i) => i >= 50);
  assert.equal(sent[0]?.at, t[50], "the first frame as pilot sends");
});

test("property: at any frame rate of 25 Hz or more, the rate averages 25 Hz exactly", () => {
  // From the first frame as pilot (a page signs in long after its clock's origin): one send, then
  // one per period elapsed.
  fc.assert(
    fc.property(
      fc.integer({ min: 2 * P + 1, max: 10_000 }),
      fc.array(fc.integer({ min: 1, max: P }), { maxLength: 400 }),
      (start, ds) => {
        const t = times(start, ds);
        const span = (t[t.length - 1] as number) - start;
        assert.equal(frames(t).length, 1 + Math.floor(span / P));
      },
    ),
  );
});

test("property: below 25 frames per second, every frame sends", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: P, max: 500 }), { maxLength: 100 }), (ds) => {
      const t = times(100, ds);
      assert.equal(frames(t).length, t.length);
    }),
  );
});

test("property: the latest value, at most one per frame, never a burst, whatever the frames and role changes", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ d: fc.integer({ min: 1, max: 200 }), pilot: fc.boolean() }), {
        minLength: 1,
        maxLength: 300,
      }),
      (fs) => {
        const t = times(
          50,
          fs.slice(1).map((f) => f.d),
        );
        const sent = frames(t, (i) => (fs[i] as { pilot: boolean }).pilot);
        for (const s of sent) {
          assert.equal(s.at, t[s.value], "a frame sends the input it sampled, nothing older");
          assert.ok((fs[s.value] as { pilot: boolean }).pilot, "only while piloting");
        }
        // In any stretch of time [a, b], at most (b − a)/P + 2 sends.
        for (let i = 0; i < sent.length; i++) {
          for (let j = i; j < sent.length; j++) {
            const span = (sent[j] as { at: number }).at - (sent[i] as { at: number }).at;
            assert.ok(j - i + 1 <= Math.floor(span / P) + 2, `${j - i + 1} sends in ${span} ms`);
          }
        }
      },
    ),
  );
});
