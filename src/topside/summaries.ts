import { encodeFrame, MAX_LISTED_SESSIONS, MAX_LISTED_VEHICLES, type MessageOf } from "../protocol/index.ts";
import type { BrowserSession, FrameStamp } from "./browser-session.ts";
import type { RoleBook } from "./roles.ts";
import type { VehicleDirectory } from "./vehicle-channel.ts";

/**
 * The `vehicles` and `sessions` lists browsers see. Changes are coalesced: any number of role or
 * link changes in one turn of the event loop produce one new list, encoded once and shared by
 * every browser's latest-value slot.
 */
export class Summaries {
  private readonly book: RoleBook;
  private readonly directory: VehicleDirectory;
  private readonly sessions: ReadonlyMap<number, BrowserSession>;
  private readonly members: (vehicle: string) => Iterable<BrowserSession>;
  private readonly host: { stamp(): FrameStamp };
  private readonly dirty = new Set<string>();
  private vehiclesFrame: Uint8Array | undefined;
  private scheduled = false;

  constructor(
    book: RoleBook,
    directory: VehicleDirectory,
    sessions: ReadonlyMap<number, BrowserSession>,
    members: (vehicle: string) => Iterable<BrowserSession>,
    host: { stamp(): FrameStamp },
  ) {
    this.book = book;
    this.directory = directory;
    this.sessions = sessions;
    this.members = members;
    this.host = host;
  }

  /** Something about this vehicle changed (link, roles, membership). */
  touch(vehicle: string): void {
    this.dirty.add(vehicle);
    this.vehiclesFrame = undefined;
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  sendVehiclesTo(session: BrowserSession): void {
    session.sendLatest("vehicles", this.vehicles());
  }

  /** The current `vehicles` message (first MAX_LISTED_VEHICLES vehicles). */
  vehiclesMessage(): MessageOf<"vehicles"> {
    const vehicles = this.directory
      .list()
      .slice(0, MAX_LISTED_VEHICLES)
      .map((v) => {
        const pilot = this.book.pilotOf(v.id) ?? 0;
        const observers = Math.min(0xffff, this.book.memberCount(v.id) - (pilot === 0 ? 0 : 1));
        return { id: v.id, connected: v.connected, pilot, observers };
      });
    return { type: "vehicles", vehicles };
  }

  /** The pilot-capable sessions attached to a vehicle, pilot first. */
  sessionsMessage(vehicle: string): MessageOf<"sessions"> {
    const list: MessageOf<"sessions">["sessions"] = [];
    for (const id of this.book.members(vehicle)) {
      const s = this.sessions.get(id);
      const r = this.book.roleOf(id);
      if (s === undefined || r === undefined || r.access !== "pilot") continue;
      const entry = { session: id, name: s.name, role: r.role };
      if (r.role === "pilot") list.unshift(entry);
      else list.push(entry);
    }
    return { type: "sessions", vehicle, sessions: list.slice(0, MAX_LISTED_SESSIONS) };
  }

  private vehicles(): Uint8Array {
    this.vehiclesFrame ??= encodeFrame(this.vehiclesMessage(), this.host.stamp());
    return this.vehiclesFrame;
  }

  private flush(): void {
    this.scheduled = false;
    const list = this.vehicles();
    for (const s of this.sessions.values()) if (s.state === "ready") s.sendLatest("vehicles", list);
    for (const v of this.dirty) {
      let frame: Uint8Array | undefined;
      for (const s of this.members(v)) {
        frame ??= encodeFrame(this.sessionsMessage(v), this.host.stamp());
        s.sendLatest("sessions", frame);
      }
    }
    this.dirty.clear();
  }
}
