import assert from "node:assert/strict";
import { test } from "node:test";
import { countdownRunning, noticeLine, noticeList, plainWords, signInRefusal } from "./notices.ts";

test("routine events go to the event log; alarms and warnings to the alarm list", () => {
  assert.equal(noticeList({ type: "event", severity: "info", code: "ARMED", text: "armed by the pilot" }), "events");
  assert.equal(noticeList({ type: "event", severity: "info", code: "MODE_CHANGED", text: "mode stabilize" }), "events");
  assert.equal(noticeList({ type: "event", severity: "warning", code: "MODE_DEGRADED", text: "x" }), "alarms");
  assert.equal(
    noticeList({ type: "alarm", severity: "info", code: "FS_LEAK", active: false, text: "leak cleared" }),
    "alarms",
    "an alarm clearing stays beside the alarm",
  );
  assert.equal(noticeList({ type: "alarm", severity: "alarm", code: "FS_LEAK", active: true, text: "leak" }), "alarms");
});

test("a code is shown after plain words; an unknown code keeps the sender's text", () => {
  assert.equal(
    noticeLine({
      type: "event",
      severity: "warning",
      code: "HUB_NOT_PILOT",
      text: "only the pilot of rov1 can hand it over",
    }),
    "Only the pilot can do that: only the pilot of rov1 can hand it over (HUB_NOT_PILOT)",
  );
  assert.equal(
    noticeLine({ type: "event", severity: "info", code: "ARMED", text: "armed by the pilot" }),
    "armed by the pilot (ARMED)",
  );
  assert.equal(
    noticeLine({ type: "event", severity: "info", code: "HUB_PILOT_BUSY", text: "" }),
    "Someone else is flying (HUB_PILOT_BUSY)",
  );
  assert.equal(noticeLine({ type: "event", severity: "info", code: "X_Y", text: " " }), "X_Y (X_Y)");
  assert.equal(plainWords("NOT_A_CODE"), undefined);
});

test("the sign-in refusal counts down whole seconds from retryAfterMs, and says when to retry", () => {
  assert.equal(
    signInRefusal("HUB_AUTH_LOCKED", 42_000, 0),
    "Sign-in refused: Too many failed sign-ins from here (HUB_AUTH_LOCKED). Try again in 42 s.",
  );
  assert.match(signInRefusal("HUB_AUTH_LOCKED", 42_000, 1), /in 42 s/);
  assert.match(signInRefusal("HUB_AUTH_LOCKED", 42_000, 1000), /in 41 s/);
  assert.match(signInRefusal("HUB_AUTH_LOCKED", 42_000, 41_999), /in 1 s/);
  assert.match(signInRefusal("HUB_AUTH_LOCKED", 42_000, 42_000), /You can try again now/);
  assert.equal(signInRefusal("HUB_AUTH_FAILED", 0, 0), "Sign-in refused: Wrong token (HUB_AUTH_FAILED)");
  assert.equal(signInRefusal("SOMETHING", undefined, 0), "Sign-in refused: the hub said no (SOMETHING)");
  assert.deepEqual(
    [countdownRunning(3000, 0), countdownRunning(3000, 2999), countdownRunning(3000, 3000), countdownRunning(0, 0)],
    [true, true, false, false],
  );
  assert.equal(countdownRunning(undefined, 0), false);
});
