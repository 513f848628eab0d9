import type { Access, RoleReason, SessionRole } from "../protocol/index.ts";
import { type HubCode, HubCodes } from "./errors.ts";

/**
 * Who holds which role on which vehicle: the pure core of pilot arbitration (no I/O, no time).
 *
 * Rules:
 * - A session is attached to at most one vehicle at a time, as observer or pilot.
 * - A vehicle has at most one pilot at any moment.
 * - Pilot requires pilot access; observer access may only observe.
 * - A pilot request while another session pilots is refused (HUB_PILOT_BUSY) unless it asks for a
 *   take-over: then the former pilot becomes an observer, told why ("takeover") and by whom.
 * - Hand-over: the pilot names a pilot-capable session attached to the same vehicle; that session
 *   becomes pilot and the giver an observer.
 *
 * Every operation returns the role changes it caused, one per affected session (the requester's
 * own confirmation included), so the hub can notify each session and refresh the vehicles'
 * summaries. Session ids are positive integers (0 means "the hub" in `by`).
 */
export interface RoleChange {
  session: number;
  vehicle: string;
  role: SessionRole;
  reason: RoleReason;
  /** The session that caused the change; 0 for the hub. */
  by: number;
}

export type RoleOutcome = { ok: true; changes: RoleChange[] } | { ok: false; code: HubCode; text: string };

interface Member {
  access: Access;
  vehicle: string | undefined;
  role: SessionRole;
}

interface VehicleRoles {
  pilot: number | undefined;
  /** Attached sessions, pilot included. */
  members: Set<number>;
}

export class RoleBook {
  private readonly sessions = new Map<number, Member>();
  private readonly vehicles = new Map<string, VehicleRoles>();

  addVehicle(id: string): void {
    if (!this.vehicles.has(id)) this.vehicles.set(id, { pilot: undefined, members: new Set() });
  }

  hasVehicle(id: string): boolean {
    return this.vehicles.has(id);
  }

  /** Detaches everyone from a vehicle that is gone for good. */
  removeVehicle(id: string): RoleChange[] {
    const v = this.vehicles.get(id);
    if (v === undefined) return [];
    const changes: RoleChange[] = [];
    for (const s of v.members) {
      const m = this.sessions.get(s);
      if (m === undefined) continue;
      m.vehicle = undefined;
      m.role = "none";
      changes.push({ session: s, vehicle: id, role: "none", reason: "vehicle-removed", by: 0 });
    }
    this.vehicles.delete(id);
    return changes;
  }

  /** Registers an authenticated session. */
  join(session: number, access: Access): void {
    if (!(Number.isInteger(session) && session > 0))
      throw new RangeError(`session ids are positive integers, got ${session}`);
    if (!this.sessions.has(session)) this.sessions.set(session, { access, vehicle: undefined, role: "none" });
  }

  /** Forgets a session (closed); returns the changes (its own detach included). */
  leave(session: number): RoleChange[] {
    const changes = this.detach(session, "released", session);
    this.sessions.delete(session);
    return changes;
  }

  request(session: number, vehicle: string, role: SessionRole, takeover: boolean): RoleOutcome {
    const m = this.sessions.get(session);
    if (m === undefined) return refuse(HubCodes.NOT_AUTHENTICATED, "authenticate before asking for a role");
    if (role === "none") {
      const changes = this.detach(session, "requested", session);
      return {
        ok: true,
        changes: changes.length > 0 ? changes : [{ session, vehicle, role: "none", reason: "requested", by: session }],
      };
    }
    const v = this.vehicles.get(vehicle);
    if (v === undefined) return refuse(HubCodes.UNKNOWN_VEHICLE, `no vehicle "${vehicle}"`);
    if (role === "pilot" && m.access !== "pilot")
      return refuse(HubCodes.FORBIDDEN, "this session's credentials allow observing only");
    if (role === "pilot" && v.pilot !== undefined && v.pilot !== session && !takeover) {
      return refuse(HubCodes.PILOT_BUSY, `session ${v.pilot} pilots ${vehicle}; ask for a take-over or a hand-over`);
    }
    const changes = m.vehicle !== undefined && m.vehicle !== vehicle ? this.detach(session, "requested", session) : [];
    if (role === "pilot" && v.pilot !== undefined && v.pilot !== session) {
      const former = v.pilot;
      this.setRole(former, vehicle, "observer");
      changes.push({ session: former, vehicle, role: "observer", reason: "takeover", by: session });
    }
    if (role === "observer" && v.pilot === session) v.pilot = undefined;
    this.setRole(session, vehicle, role);
    changes.push({ session, vehicle, role, reason: "requested", by: session });
    return { ok: true, changes };
  }

  handover(session: number, vehicle: string, to: number): RoleOutcome {
    const v = this.vehicles.get(vehicle);
    if (v === undefined) return refuse(HubCodes.UNKNOWN_VEHICLE, `no vehicle "${vehicle}"`);
    if (v.pilot !== session) return refuse(HubCodes.NOT_PILOT, `only the pilot of ${vehicle} can hand it over`);
    const target = this.sessions.get(to);
    if (to === session || target === undefined || target.vehicle !== vehicle || target.access !== "pilot") {
      return refuse(
        HubCodes.HANDOVER_TARGET,
        `session ${to} is not another pilot-capable session attached to ${vehicle}`,
      );
    }
    this.setRole(session, vehicle, "observer");
    this.setRole(to, vehicle, "pilot");
    return {
      ok: true,
      changes: [
        { session, vehicle, role: "observer", reason: "handover", by: session },
        { session: to, vehicle, role: "pilot", reason: "handover", by: session },
      ],
    };
  }

  roleOf(session: number): { vehicle: string | undefined; role: SessionRole; access: Access } | undefined {
    const m = this.sessions.get(session);
    return m === undefined ? undefined : { vehicle: m.vehicle, role: m.role, access: m.access };
  }

  pilotOf(vehicle: string): number | undefined {
    return this.vehicles.get(vehicle)?.pilot;
  }

  /** Sessions attached to a vehicle (pilot included), in attach order. */
  members(vehicle: string): readonly number[] {
    const v = this.vehicles.get(vehicle);
    return v === undefined ? [] : [...v.members];
  }

  memberCount(vehicle: string): number {
    return this.vehicles.get(vehicle)?.members.size ?? 0;
  }

  vehicleIds(): IterableIterator<string> {
    return this.vehicles.keys();
  }

  private setRole(session: number, vehicle: string, role: "observer" | "pilot"): void {
    const m = this.sessions.get(session);
    const v = this.vehicles.get(vehicle);
    if (m === undefined || v === undefined) return;
    m.vehicle = vehicle;
    m.role = role;
    v.members.add(session);
    if (role === "pilot") v.pilot = session;
    else if (v.pilot === session) v.pilot = undefined;
  }

  private detach(session: number, reason: RoleReason, by: number): RoleChange[] {
    const m = this.sessions.get(session);
    if (m === undefined || m.vehicle === undefined) return [];
    const vehicle = m.vehicle;
    const v = this.vehicles.get(vehicle);
    if (v !== undefined) {
      v.members.delete(session);
      if (v.pilot === session) v.pilot = undefined;
    }
    m.vehicle = undefined;
    m.role = "none";
    return [{ session, vehicle, role: "none", reason, by }];
  }
}

function refuse(code: HubCode, text: string): RoleOutcome {
  return { ok: false, code, text };
}
