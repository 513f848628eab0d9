import type { MessageOf } from "../../protocol/index.ts";
import type { SessionState } from "./session.ts";

/**
 * What the page shows of the session, pure: the role badge, which role buttons are offered,
 * whether the pilot controls are enabled, the one-line guide, and each vehicle's line.
 */
export interface RoleView {
  /** Text of the role badge. */
  badge: string;
  /** Offered only with pilot access, when not already the pilot: with nobody else flying… */
  takePilot: boolean;
  /** …or when another session flies (it is told). */
  takeOver: boolean;
  observe: boolean;
  /** Hand over (button and target list): only the pilot. */
  handOver: boolean;
  /** Arm, disarm, gain, lights, tilt and the mode buttons: only the pilot. */
  controls: boolean;
}

export function roleView(s: SessionState): RoleView {
  const v = s.vehicles.find((x) => x.id === s.vehicle);
  const otherPilot = v !== undefined && v.pilot !== 0 && v.pilot !== s.session;
  const pilot = s.role === "pilot";
  const canPilot = !pilot && s.access === "pilot";
  return {
    badge:
      s.session === 0
        ? "signed out"
        : !s.online
          ? "hub offline"
          : s.role === "none"
            ? `signed in (${s.access})`
            : s.role,
    takePilot: s.online && canPilot && !otherPilot,
    takeOver: s.online && canPilot && otherPilot,
    observe: s.online && s.role !== "observer",
    handOver: pilot,
    controls: pilot,
  };
}

/** The guide line (HTML) for what the pilot can do next. */
export function guideHtml(s: SessionState): string {
  if (s.session === 0) return "Signed out: sign in to observe or to fly.";
  if (!s.online)
    return "<strong>Hub offline</strong>: you hold no role until it answers again (the page keeps trying). Without pilot input the vehicle goes neutral by itself.";
  if (s.role === "none") return "Signed in: attaching to a vehicle…";
  if (s.role !== "pilot") {
    return s.access === "pilot"
      ? "You are observing. Press <strong>Take pilot</strong> to fly."
      : "You are observing: this token cannot pilot.";
  }
  if (!(s.telemetry?.armed ?? false)) {
    return "You are the pilot. <strong>Hold <kbd>Enter</kbd></strong> (or the Arm button, or gamepad Start) for 1 s to arm.";
  }
  return "Armed. <kbd>W</kbd>/<kbd>S</kbd> forward/back · <kbd>A</kbd>/<kbd>D</kbd> turn · <kbd>Q</kbd>/<kbd>E</kbd> sideways · <kbd>R</kbd>/<kbd>F</kbd> up/down · <kbd>Space</kbd> disarm · gamepad sticks work too.";
}

/** The vehicle list's lines: what the hub last said, unless the hub is offline (then it is unknown). */
export function vehicleLines(s: SessionState): string[] {
  if (s.session !== 0 && !s.online) return s.vehicles.map((v) => `${v.id} — unknown while the hub is offline`);
  return s.vehicles.map((v) => vehicleLine(v, s.session));
}

/** One vehicle's line in the vehicle list, as seen by `session`. */
export function vehicleLine(v: MessageOf<"vehicles">["vehicles"][number], session: number): string {
  const pilot = v.pilot === 0 ? "none" : v.pilot === session ? "you" : `session ${v.pilot}`;
  return `${v.id} — ${v.connected ? "connected" : "not connected"} · pilot ${pilot} · ${v.observers} observing`;
}
