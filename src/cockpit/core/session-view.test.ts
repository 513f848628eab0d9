import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_MAPPING } from "../input/mapping.ts";
import { INITIAL_SESSION, reduceSession, type SessionState } from "./session.ts";
import { guideHtml, keyLabel, roleView, vehicleLine, vehicleLines } from "./session-view.ts";

const signedIn = (o: Partial<SessionState>): SessionState => ({
  ...INITIAL_SESSION,
  session: 7,
  access: "pilot",
  online: true,
  vehicle: "rov1",
  vehicles: [{ id: "rov1", connected: true, pilot: 0, observers: 1 }],
  ...o,
});

test("the role badge says signed out, signed in with the access, or the role", () => {
  assert.equal(roleView(INITIAL_SESSION).badge, "signed out");
  assert.equal(roleView(signedIn({ access: "observer" })).badge, "signed in (observer)");
  assert.equal(roleView(signedIn({ role: "pilot" })).badge, "pilot");
});

test("a pilot token is offered Take pilot when nobody flies, Take over when someone else does", () => {
  const free = roleView(signedIn({ role: "observer" }));
  assert.deepEqual(
    [free.takePilot, free.takeOver, free.observe, free.handOver, free.controls],
    [true, false, false, false, false],
  );
  const busy = roleView(
    signedIn({ role: "observer", vehicles: [{ id: "rov1", connected: true, pilot: 9, observers: 1 }] }),
  );
  assert.deepEqual([busy.takePilot, busy.takeOver], [false, true]);
  const observerToken = roleView(signedIn({ role: "observer", access: "observer" }));
  assert.deepEqual([observerToken.takePilot, observerToken.takeOver], [false, false]);
  const pilot = roleView(
    signedIn({
      role: "pilot",
      vehicles: [{ id: "rov1", connected: true, pilot: 7, observers: 0 }],
      others: [{ session: 8, name: "copilot" }],
    }),
  );
  assert.deepEqual(
    [pilot.takePilot, pilot.takeOver, pilot.observe, pilot.handOver, pilot.controls],
    [false, false, true, true, true],
  );
});

test("the guide says what to do next: take pilot, arm, or fly", () => {
  assert.match(guideHtml(signedIn({ role: "observer" })), /Take pilot/);
  assert.match(guideHtml(signedIn({ role: "observer", access: "observer" })), /cannot pilot/);
  assert.match(guideHtml(signedIn({ role: "pilot" })), /to arm/);
  const armed = { armed: true } as SessionState["telemetry"]; // only `armed` is read
  assert.match(guideHtml(signedIn({ role: "pilot", telemetry: armed })), /^Armed\./);
});

test("a vehicle's line names its pilot as you, a session, or none", () => {
  const v = { id: "rov1", connected: true, pilot: 7, observers: 2 };
  assert.equal(vehicleLine(v, 7), "rov1 — connected · pilot you · 2 observing");
  assert.equal(vehicleLine({ ...v, connected: false }, 3), "rov1 — not connected · pilot session 7 · 2 observing");
  assert.equal(vehicleLine({ ...v, pilot: 0 }, 7), "rov1 — connected · pilot none · 2 observing");
});

test("signed out or with the hub offline, nothing claims a role or offers one", () => {
  for (const s of [INITIAL_SESSION, signedIn({ online: false, role: "none" })]) {
    const v = roleView(s);
    assert.deepEqual([v.takePilot, v.takeOver, v.observe, v.handOver, v.controls], [false, false, false, false, false]);
    assert.doesNotMatch(guideHtml(s), /observing|You are the pilot|Armed/);
  }
  assert.match(guideHtml(INITIAL_SESSION), /^Signed out/);
  assert.equal(roleView(signedIn({ online: false, role: "none" })).badge, "hub offline");
  assert.match(guideHtml(signedIn({ online: false, role: "none" })), /Hub offline/);
  assert.doesNotMatch(guideHtml(signedIn({ role: "none" })), /observing/, "signed in, not attached yet");
});

test("with the hub offline the vehicle list does not repeat what it last said as if current", () => {
  assert.deepEqual(vehicleLines(signedIn({})), ["rov1 — connected · pilot none · 1 observing"]);
  assert.deepEqual(vehicleLines(signedIn({ online: false })), ["rov1 — unknown while the hub is offline"]);
});

test("hand over is offered only to a pilot with someone to hand over to", () => {
  const alone = signedIn({ role: "pilot" });
  assert.equal(roleView(alone).handOver, false);
  const listed = reduceSession(alone, {
    kind: "received",
    message: {
      type: "sessions",
      vehicle: "rov1",
      sessions: [
        { session: 7, name: "me", role: "pilot" },
        { session: 9, name: "copilot", role: "observer" },
      ],
    },
  }).state;
  assert.deepEqual(listed.others, [{ session: 9, name: "copilot" }], "oneself is not a target");
  assert.equal(roleView(listed).handOver, true);
  const onlyMe = reduceSession(listed, {
    kind: "received",
    message: { type: "sessions", vehicle: "rov1", sessions: [{ session: 7, name: "me", role: "pilot" }] },
  }).state;
  assert.equal(roleView(onlyMe).handOver, false, "the other left");
  assert.equal(roleView({ ...listed, role: "observer" }).handOver, false);
});

const armed = { armed: true } as SessionState["telemetry"];

test("the armed guide shows the mapping's real keys: 1–4 modes, =/− gain, Space disarm", () => {
  const html = guideHtml(signedIn({ role: "pilot", telemetry: armed }));
  for (const [code, action] of Object.entries(DEFAULT_MAPPING.keyActions)) {
    if (!/^mode-|^gain-|^disarm$/.test(action)) continue;
    assert.ok(html.includes(`<kbd>${keyLabel(code)}</kbd>`), `${code} (${action}) in the guide`);
  }
  assert.match(html, /<kbd>1<\/kbd> manual/);
  assert.match(html, /<kbd>3<\/kbd> depth hold/);
  assert.match(html, /<kbd>=<\/kbd>\/<kbd>−<\/kbd> gain/);
  assert.doesNotMatch(html, /\+/, "there is no + key");
});
