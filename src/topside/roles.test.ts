import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { SessionRole } from "../protocol/index.ts";
import { HubCodes } from "./errors.ts";
import { RoleBook, type RoleChange, type RoleOutcome } from "./roles.ts";

function changes(outcome: RoleOutcome): RoleChange[] {
  assert.ok(outcome.ok, outcome.ok ? "" : `${outcome.code}: ${outcome.text}`);
  return outcome.changes;
}

function book(): RoleBook {
  const b = new RoleBook();
  b.addVehicle("rov1");
  b.addVehicle("rov2");
  b.join(1, "pilot");
  b.join(2, "pilot");
  b.join(3, "observer");
  return b;
}

describe("role arbitration", () => {
  test("the first pilot request is granted; a second is refused without take-over", () => {
    const b = book();
    assert.deepEqual(changes(b.request(1, "rov1", "pilot", false)), [
      { session: 1, vehicle: "rov1", role: "pilot", reason: "requested", by: 1 },
    ]);
    const busy = b.request(2, "rov1", "pilot", false);
    assert.equal(busy.ok ? "" : busy.code, HubCodes.PILOT_BUSY);
    assert.equal(b.pilotOf("rov1"), 1);
  });

  test("take-over demotes the former pilot and says who took over", () => {
    const b = book();
    changes(b.request(1, "rov1", "pilot", false));
    const c = changes(b.request(2, "rov1", "pilot", true));
    assert.deepEqual(c, [
      { session: 1, vehicle: "rov1", role: "observer", reason: "takeover", by: 2 },
      { session: 2, vehicle: "rov1", role: "pilot", reason: "requested", by: 2 },
    ]);
    assert.equal(b.pilotOf("rov1"), 2);
  });

  test("observer-only credentials cannot pilot, even with take-over", () => {
    const b = book();
    const r = b.request(3, "rov1", "pilot", true);
    assert.equal(r.ok ? "" : r.code, HubCodes.FORBIDDEN);
    assert.equal(changes(b.request(3, "rov1", "observer", false))[0]?.role, "observer");
  });

  test("hand-over goes to a named pilot-capable session on the same vehicle", () => {
    const b = book();
    changes(b.request(1, "rov1", "pilot", false));
    const notAttached = b.handover(1, "rov1", 2);
    assert.equal(notAttached.ok ? "" : notAttached.code, HubCodes.HANDOVER_TARGET);
    changes(b.request(2, "rov1", "observer", false));
    changes(b.request(3, "rov1", "observer", false));
    const observerOnly = b.handover(1, "rov1", 3);
    assert.equal(observerOnly.ok ? "" : observerOnly.code, HubCodes.HANDOVER_TARGET);
    const notPilot = b.handover(2, "rov1", 1);
    assert.equal(notPilot.ok ? "" : notPilot.code, HubCodes.NOT_PILOT);
    assert.deepEqual(changes(b.handover(1, "rov1", 2)), [
      { session: 1, vehicle: "rov1", role: "observer", reason: "handover", by: 1 },
      { session: 2, vehicle: "rov1", role: "pilot", reason: "handover", by: 1 },
    ]);
    assert.equal(b.pilotOf("rov1"), 2);
  });

  test("switching vehicles detaches from the former one and frees its pilot seat", () => {
    const b = book();
    changes(b.request(1, "rov1", "pilot", false));
    const c = changes(b.request(1, "rov2", "observer", false));
    assert.deepEqual(
      c.map((x) => [x.vehicle, x.role]),
      [
        ["rov1", "none"],
        ["rov2", "observer"],
      ],
    );
    assert.equal(b.pilotOf("rov1"), undefined);
    assert.deepEqual(b.members("rov1"), []);
  });

  test("leaving and removing a vehicle free every seat", () => {
    const b = book();
    changes(b.request(1, "rov1", "pilot", false));
    changes(b.request(3, "rov1", "observer", false));
    assert.deepEqual(b.leave(1), [{ session: 1, vehicle: "rov1", role: "none", reason: "released", by: 1 }]);
    assert.equal(b.pilotOf("rov1"), undefined);
    assert.deepEqual(b.removeVehicle("rov1"), [
      { session: 3, vehicle: "rov1", role: "none", reason: "vehicle-removed", by: 0 },
    ]);
    const r = b.request(2, "rov1", "observer", false);
    assert.equal(r.ok ? "" : r.code, HubCodes.UNKNOWN_VEHICLE);
  });

  test("unknown sessions are refused", () => {
    const r = book().request(99, "rov1", "observer", false);
    assert.equal(r.ok ? "" : r.code, HubCodes.NOT_AUTHENTICATED);
  });
});

// ---- property: any sequence of joins, leaves, requests, hand-overs keeps the invariants ----------

const VEHICLES = ["a", "b"];
const SESSIONS = 4;
const session = fc.integer({ min: 1, max: SESSIONS });
const vehicle = fc.constantFrom(...VEHICLES);
const op = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("rejoin" as const), session, pilot: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("leave" as const), session }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("request" as const),
      session,
      vehicle,
      role: fc.constantFrom<SessionRole>("none", "observer", "pilot", "pilot"),
      takeover: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("handover" as const), session, vehicle, to: session }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("remove" as const), vehicle }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("add" as const), vehicle }) },
);

test("property: at most one pilot per vehicle, roles agree with membership, changes tell the truth", () => {
  const seen = { takeovers: 0, handovers: 0, busy: 0 };
  fc.assert(
    fc.property(
      fc.array(fc.boolean(), { minLength: SESSIONS, maxLength: SESSIONS }),
      fc.array(op, { minLength: 10, maxLength: 80 }),
      (caps, ops) => {
        const b = new RoleBook();
        for (const v of VEHICLES) b.addVehicle(v);
        const joined = new Map<number, boolean>();
        caps.forEach((pilot, i) => {
          joined.set(i + 1, pilot);
          b.join(i + 1, pilot ? "pilot" : "observer");
        });
        for (const o of ops) {
          let out: RoleChange[] = [];
          const pilotsBefore = new Map(VEHICLES.map((v) => [v, b.pilotOf(v)]));
          if (o.kind === "rejoin") {
            if (!joined.has(o.session)) {
              joined.set(o.session, o.pilot);
              b.join(o.session, o.pilot ? "pilot" : "observer");
            }
          } else if (o.kind === "leave") {
            out = b.leave(o.session);
            joined.delete(o.session);
          } else if (o.kind === "request") {
            const r = b.request(o.session, o.vehicle, o.role, o.takeover);
            if (r.ok) out = r.changes;
            else if (r.code === HubCodes.PILOT_BUSY) {
              seen.busy++;
              assert.equal(b.pilotOf(o.vehicle), pilotsBefore.get(o.vehicle));
            }
            if (r.ok && out.some((c) => c.reason === "takeover")) seen.takeovers++;
            if (o.role === "pilot" && r.ok) assert.equal(b.pilotOf(o.vehicle), o.session);
            if (o.role === "pilot" && joined.get(o.session) === false) assert.equal(r.ok, false);
          } else if (o.kind === "handover") {
            const r = b.handover(o.session, o.vehicle, o.to);
            if (r.ok) {
              seen.handovers++;
              out = r.changes;
              assert.equal(b.pilotOf(o.vehicle), o.to);
            }
          } else if (o.kind === "remove") out = b.removeVehicle(o.vehicle);
          else b.addVehicle(o.vehicle);

          // Each change reported matches the state (last change per session wins).
          const last = new Map<number, RoleChange>();
          for (const c of out) last.set(c.session, c);
          for (const [s, c] of last) {
            const now = b.roleOf(s);
            if (now === undefined) continue; // the session left
            if (c.role === "none") assert.ok(now.vehicle !== c.vehicle || now.role === "none");
            else assert.deepEqual([now.vehicle, now.role], [c.vehicle, c.role]);
          }
          // A pilot who lost the seat without asking is told so.
          for (const v of VEHICLES) {
            const before = pilotsBefore.get(v);
            if (before !== undefined && b.pilotOf(v) !== before && b.roleOf(before) !== undefined) {
              assert.ok(
                out.some((c) => c.session === before && c.vehicle === v && c.role !== "pilot"),
                `pilot ${before} of ${v} not notified`,
              );
            }
          }
          checkInvariants(b, joined);
        }
      },
    ),
    // A fixed seed: the coverage check below must not depend on luck (it failed once when a
    // random seed produced no successful hand-over in 500 runs).
    { numRuns: 500, seed: 0x7e7e5 },
  );
  // The sequences did reach take-overs, hand-overs and busy refusals.
  for (const [k, n] of Object.entries(seen)) assert.ok(n > 0, `no ${k} in any run`);
});

function checkInvariants(b: RoleBook, joined: Map<number, boolean>): void {
  for (const v of b.vehicleIds()) {
    const pilots = b.members(v).filter((s) => b.roleOf(s)?.role === "pilot");
    assert.ok(pilots.length <= 1, `vehicle ${v} has pilots ${pilots.join(",")}`);
    assert.equal(b.pilotOf(v), pilots[0]);
    for (const s of b.members(v)) assert.equal(b.roleOf(s)?.vehicle, v);
  }
  for (const [s, canPilot] of joined) {
    const r = b.roleOf(s);
    assert.ok(r);
    if (r.role === "pilot") assert.ok(canPilot, `observer-only session ${s} became pilot`);
    if (r.vehicle !== undefined) assert.ok(b.members(r.vehicle).includes(s));
    else assert.equal(r.role, "none");
  }
}
