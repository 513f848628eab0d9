import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ACCESS, type Message, type MessageOf, ROLE_REASONS, SESSION_ROLES } from "../../protocol/index.ts";
import { underwayTelemetry } from "../../protocol/testing/sample-telemetry.ts";
import { ACTIONS } from "../input/mapping.ts";
import { INITIAL_SESSION, reduceSession, type SessionEvent, type SessionState } from "./session.ts";
import { roleView } from "./session-view.ts";

const telemetry: MessageOf<"telemetry"> = underwayTelemetry();

const got = (message: Message): SessionEvent => ({ kind: "received", message });
const signedIn = (session: number, access: "pilot" | "observer" = "pilot"): SessionEvent =>
  got({ type: "auth-result", ok: true, session, access, code: "", retryAfterMs: 0 });
const vehicles = (...v: [string, number][]): SessionEvent =>
  got({ type: "vehicles", vehicles: v.map(([id, pilot]) => ({ id, connected: true, pilot, observers: 0 })) });
const role = (vehicle: string, r: "none" | "observer" | "pilot", by = 1): SessionEvent =>
  got({ type: "role", vehicle, role: r, reason: r === "none" ? "released" : "takeover", by });

/** Applies the events in order; returns the final state and everything sent and noticed. */
function run(events: SessionEvent[], from: SessionState = INITIAL_SESSION) {
  let state = from;
  const sent: Message[] = [];
  const notices: MessageOf<"event">[] = [];
  for (const ev of events) {
    const out = reduceSession(state, ev);
    state = out.state;
    sent.push(...out.send);
    notices.push(...out.notices);
  }
  return { state, sent, notices };
}

const PILOT = run([signedIn(7), vehicles(["rov1", 0]), role("rov1", "pilot", 7)]).state;

test("signing in attaches as observer to the first vehicle, once", () => {
  const r = run([signedIn(7), vehicles(["rov1", 0], ["rov2", 0]), vehicles(["rov1", 0]), role("rov1", "observer")]);
  assert.equal(r.state.session, 7);
  assert.equal(r.state.access, "pilot");
  assert.equal(r.state.vehicle, "rov1");
  assert.equal(r.state.role, "observer");
  assert.deepEqual(r.sent, [{ type: "role-request", vehicle: "rov1", role: "observer", takeover: false }]);
  assert.equal(r.state.vehicles.length, 1, "the latest vehicle list wins");
});

test("a refused sign-in is remembered until the next attempt; signing out forgets session, vehicle and role", () => {
  const refused = run([
    got({ type: "auth-result", ok: false, session: 0, access: "none", code: "AUTH_REFUSED", retryAfterMs: 0 }),
  ]).state;
  assert.equal(refused.authRefused, true);
  assert.equal(refused.session, 0);
  assert.equal(run([{ kind: "sign-in" }], refused).state.authRefused, false);
  const out = run([{ kind: "sign-out" }], PILOT).state;
  assert.deepEqual([out.session, out.vehicle, out.role], [0, "", "none"]);
});

test("a sign-in answer starts the session without a role, whatever was held before", () => {
  assert.equal(run([signedIn(8, "observer")], PILOT).state.role, "none");
});

test("the socket closing drops the role but keeps the session's vehicle", () => {
  assert.equal(PILOT.online, true);
  const s = run([{ kind: "socket-closed" }], PILOT).state;
  assert.equal(s.role, "none");
  assert.equal(s.online, false, "offline until the hub accepts a sign-in again");
  assert.equal(s.vehicle, "rov1");
});

test("a pilot who loses the role is told why and by whom; a role on another vehicle is not ours", () => {
  const other = run([role("rov2", "pilot", 7)], PILOT);
  assert.equal(other.state, PILOT, "unchanged");
  const r = run([role("rov1", "observer", 9)], PILOT);
  assert.equal(r.state.role, "observer");
  assert.deepEqual(r.notices, [
    {
      type: "event",
      severity: "warning",
      code: "ROLE_TAKEOVER",
      text: "you are no longer the pilot (takeover by session 9)",
    },
  ]);
  const gone = run([got({ type: "role", vehicle: "rov1", role: "none", reason: "vehicle-removed", by: 0 })], PILOT);
  assert.equal(gone.notices[0]?.code, "ROLE_VEHICLE_REMOVED");
  assert.equal(run([role("rov1", "observer")], gone.state).notices.length, 0, "only losing the pilot role is news");
});

test("no role before sign-in, and no pilot role for an observer token, whatever arrives", () => {
  assert.equal(run([role("rov1", "pilot")]).state.role, "none");
  const observer = run([signedIn(3, "observer"), vehicles(["rov1", 0]), role("rov1", "observer")]).state;
  assert.equal(run([role("rov1", "pilot")], observer).state.role, "observer");
});

test("pilot actions go to the hub only from the pilot", () => {
  const observer = run([{ kind: "socket-closed" }], PILOT).state;
  for (const a of ACTIONS) {
    const r = run([{ kind: "action", action: a }], observer);
    assert.deepEqual(r.sent, [], a);
    assert.equal(r.state, observer, a);
  }
  const r = run(
    ["arm", "mode-depth-hold", "lights-up", "tilt-down", "tilt-center", "disarm"].map(
      (action) => ({ kind: "action", action }) as SessionEvent,
    ),
    PILOT,
  );
  assert.deepEqual(r.sent, [
    { type: "arm" },
    { type: "mode", mode: "depth-hold" },
    { type: "lights", level: 0.1 },
    { type: "camera-tilt", tilt: -0.1 },
    { type: "camera-tilt", tilt: 0 },
    { type: "disarm" },
  ]);
});

test("gain, lights and tilt step by 0.1 and stop at their limits; sliders are rounded", () => {
  const up = (n: number, action: "gain-up" | "gain-down" | "lights-up" | "tilt-down") =>
    run(
      Array.from({ length: n }, () => ({ kind: "action", action }) as SessionEvent),
      PILOT,
    ).state;
  assert.equal(up(20, "gain-up").gain, 1);
  assert.equal(up(20, "gain-down").gain, 0.1);
  assert.equal(up(3, "gain-up").gain, 0.8);
  assert.equal(up(15, "lights-up").lights, 1);
  assert.equal(up(15, "tilt-down").tilt, -1);
  const slid = run([
    { kind: "control", control: "gain", value: 0.04 },
    { kind: "control", control: "lights", value: 0.66 },
    { kind: "control", control: "tilt", value: -3 },
  ]);
  assert.deepEqual([slid.state.gain, slid.state.lights, slid.state.tilt], [0.1, 0.7, -1]);
  assert.deepEqual(slid.sent, [
    { type: "lights", level: 0.7 },
    { type: "camera-tilt", tilt: -1 },
  ]);
});

test("telemetry is kept (the newest) and counted", () => {
  const r = run([got(telemetry), got({ ...telemetry, depth: 3 })], PILOT).state;
  assert.equal(r.telemetry?.depth, 3);
  assert.equal(r.telemetryCount, 2);
});

const ids = fc.constantFrom("rov1", "rov2");
const sessionIds = fc.integer({ min: 0, max: 3 });
const arbEvent: fc.Arbitrary<SessionEvent> = fc.oneof(
  fc.constantFrom<SessionEvent>({ kind: "sign-in" }, { kind: "sign-out" }, { kind: "socket-closed" }),
  fc
    .record({ session: fc.integer({ min: 1, max: 3 }), access: fc.constantFrom(...ACCESS), ok: fc.boolean() })
    .map(({ session, access, ok }) =>
      got({ type: "auth-result", ok, session: ok ? session : 0, access, code: ok ? "" : "X", retryAfterMs: 0 }),
    ),
  fc
    .array(fc.record({ id: ids, pilot: sessionIds }), { maxLength: 2 })
    .map((v) => got({ type: "vehicles", vehicles: v.map((x) => ({ ...x, connected: true, observers: 0 })) })),
  fc
    .record({
      vehicle: ids,
      role: fc.constantFrom(...SESSION_ROLES),
      reason: fc.constantFrom(...ROLE_REASONS),
      by: sessionIds,
    })
    .map((m) => got({ type: "role", ...m })),
  fc.constant(got(telemetry)),
  fc.record({ vehicle: ids, sessions: fc.array(sessionIds, { maxLength: 3 }) }).map((m) =>
    got({
      type: "sessions",
      vehicle: m.vehicle,
      sessions: m.sessions.map((session) => ({ session, name: `s${session}`, role: "observer" as const })),
    }),
  ),
  fc.constantFrom(...ACTIONS).map((action): SessionEvent => ({ kind: "action", action })),
  fc
    .record({
      control: fc.constantFrom("gain" as const, "lights" as const, "tilt" as const),
      value: fc.oneof(fc.double({ min: -3, max: 3 }), fc.constant(Number.NaN)),
    })
    .map((c): SessionEvent => ({ kind: "control", ...c })),
);

const onGrid = (v: number, lo: number, hi: number) =>
  v >= lo && v <= hi && Math.abs(v * 10 - Math.round(v * 10)) < 1e-9;

test("property: whatever arrives, the state is never impossible and the page never offers two ways to pilot", () => {
  fc.assert(
    fc.property(fc.array(arbEvent, { maxLength: 60 }), (events) => {
      let s = INITIAL_SESSION;
      let attaches = 0;
      let signOuts = 0;
      for (const ev of events) {
        const out = reduceSession(s, ev);
        if (ev.kind === "action" && s.role !== "pilot") assert.equal(out.send.length, 0, "only the pilot acts");
        if (out.notices.length > 0) assert.equal(s.role, "pilot", "only a pilot is told it lost the role");
        attaches += out.send.filter((m) => m.type === "role-request").length;
        if (ev.kind === "sign-out") signOuts++;
        s = out.state;
        if (s.session === 0) assert.equal(s.role, "none", "no role while signed out");
        if (s.role === "pilot") assert.equal(s.access, "pilot", "only pilot access flies");
        assert.ok(onGrid(s.gain, 0.1, 1) && onGrid(s.lights, 0, 1) && onGrid(s.tilt, -1, 1), "controls in range");
        const v = roleView(s);
        assert.ok(!(v.takePilot && v.takeOver), "one way to take the pilot role at a time");
        assert.ok(!(v.controls && (v.takePilot || v.takeOver)), "the pilot is never offered to take the role");
        assert.equal(v.controls, s.role === "pilot");
        assert.ok(!v.handOver || (v.controls && s.others.length > 0), "hand over only to someone, by the pilot");
      }
      assert.ok(attaches <= signOuts + 1, "attaches on its own once per sign-in");
    }),
    { numRuns: 1000 },
  );
});

test("typed targets: depth goes to depth hold, heading to heading hold (or stays in depth hold); pilot only; checked", () => {
  const pilot: SessionState = {
    ...INITIAL_SESSION,
    session: 1,
    access: "pilot",
    online: true,
    vehicle: "rov1",
    role: "pilot",
  };
  assert.deepEqual(reduceSession(pilot, { kind: "target", depth: 2.5 }).send, [
    { type: "mode", mode: "depth-hold", targetDepth: 2.5 },
  ]);
  assert.deepEqual(reduceSession(pilot, { kind: "target", heading: 90 }).send, [
    { type: "mode", mode: "heading-hold", targetHeading: 90 },
  ]);
  const holdingDepth = { ...pilot, telemetry: { ...telemetry, mode: "depth-hold" as const } };
  assert.deepEqual(reduceSession(holdingDepth, { kind: "target", heading: 360 }).send, [
    { type: "mode", mode: "depth-hold", targetHeading: 0 },
  ]);
  for (const bad of [{ depth: -1 }, { depth: Number.NaN }, { heading: 361 }, { heading: Number.POSITIVE_INFINITY }]) {
    const out = reduceSession(pilot, { kind: "target", ...bad });
    assert.deepEqual(out.send, [], JSON.stringify(bad));
    assert.equal(out.notices[0]?.code, "COCKPIT_BAD_TARGET");
  }
  const observer = { ...pilot, role: "observer" as const };
  assert.deepEqual(reduceSession(observer, { kind: "target", depth: 2 }).send, []);
  assert.deepEqual(reduceSession(observer, { kind: "command", message: { type: "reset-energy" } }).send, []);
  assert.deepEqual(reduceSession(pilot, { kind: "command", message: { type: "reset-energy" } }).send, [
    { type: "reset-energy" },
  ]);
  const test = { type: "motor-test", thruster: 1, confirm: true } as const;
  assert.deepEqual(reduceSession(observer, { kind: "command", message: test }).send, []);
  assert.deepEqual(reduceSession(pilot, { kind: "command", message: test }).send, [test]);
});
