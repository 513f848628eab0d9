import type { MessageOf } from "../../protocol/index.ts";
import { type Action, DEFAULT_MAPPING, type Mapping } from "../input/mapping.ts";
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
  /** Hand over (button and target list): only the pilot, and only when someone can take it. */
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
    handOver: pilot && s.online && s.others.length > 0,
    controls: pilot,
  };
}

/** A key's label from its KeyboardEvent.code (KeyW → W, Digit1 → 1, Equal → =, Minus → −). */
export function keyLabel(code: string): string {
  if (/^Key[A-Z]$/.test(code)) return code.slice(3);
  if (/^Digit[0-9]$/.test(code)) return code.slice(5);
  const named: Record<string, string> = {
    Equal: "=",
    Minus: "−",
    BracketLeft: "[",
    BracketRight: "]",
    ArrowUp: "↑",
    ArrowDown: "↓",
    ArrowLeft: "←",
    ArrowRight: "→",
    PageUp: "PgUp",
    PageDown: "PgDn",
  };
  return named[code] ?? code;
}

/** The keys bound to an action in a mapping, as `<kbd>` labels joined by "/". */
function keysFor(m: Mapping, action: Action): string {
  return Object.entries(m.keyActions)
    .filter(([, a]) => a === action)
    .map(([code]) => `<kbd>${keyLabel(code)}</kbd>`)
    .join("/");
}

/** The keys moving an axis one way (letters only, the arrows are their twins). */
function axisKeys(m: Mapping, axis: string, value: 1 | -1): string {
  const codes = Object.entries(m.keyAxes)
    .filter(([code, b]) => b.axis === axis && b.value === value && code.startsWith("Key"))
    .map(([code]) => `<kbd>${keyLabel(code)}</kbd>`);
  return codes.join("/");
}

/** The armed pilot's key guide, built from the mapping in use (so it shows the keys as they are). */
export function flyingGuide(m: Mapping): string {
  const pair = (axis: string, what: string) => `${axisKeys(m, axis, 1)}/${axisKeys(m, axis, -1)} ${what}`;
  return [
    `Armed. ${pair("surge", "forward/back")}`,
    `${axisKeys(m, "yaw", -1)}/${axisKeys(m, "yaw", 1)} turn`,
    `${axisKeys(m, "sway", -1)}/${axisKeys(m, "sway", 1)} sideways`,
    `${axisKeys(m, "heave", -1)}/${axisKeys(m, "heave", 1)} up/down`,
    `${keysFor(m, "mode-manual")} manual · ${keysFor(m, "mode-stabilize")} stabilize · ${keysFor(m, "mode-depth-hold")} depth hold · ${keysFor(m, "mode-heading-hold")} heading hold`,
    `${keysFor(m, "gain-up")}/${keysFor(m, "gain-down")} gain`,
    `${keysFor(m, "disarm")} disarm`,
  ].join(" · ");
}

/** The guide line (HTML) for what the pilot can do next; `mapping` gives the flying keys. */
export function guideHtml(s: SessionState, mapping: Mapping = DEFAULT_MAPPING): string {
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
  return `${flyingGuide(mapping)}.`;
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
