import type { Access, Message, MessageOf, Mode, SessionRole } from "../../protocol/index.ts";
import type { Action } from "../input/mapping.ts";

/**
 * The cockpit's session state, pure (no DOM, no timers, browser-safe): a reducer from the
 * current state and one event (a message from the hub, the socket closing, a form, a pilot
 * action) to the next state, the messages to send and what to tell the pilot. The page applies
 * the outcome: sends, renders, sounds. The hub stays the authority; the reducer only keeps the
 * page's view consistent with what the hub said:
 *
 * - signed out (`session` 0), the page holds no role, and a sign-in starts without one;
 * - only pilot access ever holds the pilot role;
 * - the page attaches as observer to the first vehicle it is told about, once;
 * - pilot actions (arm, modes, gain, lights, tilt) do nothing unless the page holds the pilot role;
 * - gain stays in 0.1..1, lights in 0..1, camera tilt in −1..1, in steps of 0.1 (a value that is
 *   not a number changes nothing).
 */
export interface SessionState {
  /** The hub's id for this session; 0 while signed out. */
  readonly session: number;
  /** What the credentials allow. */
  readonly access: Access;
  /** The vehicle the page is attached to ("" before the first). */
  readonly vehicle: string;
  /** The hub accepted this sign-in and the socket is still open (false while reconnecting). */
  readonly online: boolean;
  /** The session's role on `vehicle`. */
  readonly role: SessionRole;
  /** Every vehicle the hub knows, with its link and pilot (latest list wins). */
  readonly vehicles: MessageOf<"vehicles">["vehicles"];
  /** The newest telemetry frame, and how many have arrived. */
  readonly telemetry: MessageOf<"telemetry"> | undefined;
  /** The newest `vehicle-status` (calibration and checks), about once a second. */
  readonly status: MessageOf<"vehicle-status"> | undefined;
  readonly telemetryCount: number;
  /** The other pilot-capable sessions attached to `vehicle` (hand-over targets; latest list wins). */
  readonly others: readonly { readonly session: number; readonly name: string }[];
  /** The hub refused the last sign-in: its reason stays on screen when the socket closes. */
  readonly authRefused: boolean;
  /** Pilot input gain (0.1..1), lights (0..1) and camera tilt (−1..1). */
  readonly gain: number;
  readonly lights: number;
  readonly tilt: number;
}

export type Control = "gain" | "lights" | "tilt";

export type SessionEvent =
  /** The sign-in form was submitted (a connection is about to open). */
  | { kind: "sign-in" }
  | { kind: "sign-out" }
  | { kind: "socket-closed" }
  | { kind: "received"; message: Message }
  /** A pilot action from a key, a button or the gamepad. */
  | { kind: "action"; action: Action }
  /** A slider moved. */
  | { kind: "control"; control: Control; value: number }
  /**
   * The pilot typed a target: a depth (m, 0–1000) goes to depth hold; a heading (°, 0–360) goes to
   * heading hold, or stays in depth hold (which holds heading too) when that is the mode flown.
   */
  | { kind: "target"; depth?: number; heading?: number }
  /** A confirmed command from the pilot's checks (energy reset, motor test, thruster settings, depth zero). */
  | { kind: "command"; message: CheckCommand };

/** The commands the Checks dialog sends (pilot only, each after the pilot confirmed it). */
export type CheckCommand =
  | MessageOf<"reset-energy">
  | MessageOf<"motor-test">
  | MessageOf<"thruster-config">
  | MessageOf<"depth-zero">;

export interface SessionOutcome {
  readonly state: SessionState;
  /** Messages for the hub, in order. */
  readonly send: readonly Message[];
  /** What the pilot must be told (shown in the alarm list). */
  readonly notices: readonly MessageOf<"event">[];
}

export const INITIAL_SESSION: SessionState = {
  session: 0,
  access: "none",
  vehicle: "",
  online: false,
  role: "none",
  vehicles: [],
  telemetry: undefined,
  status: undefined,
  telemetryCount: 0,
  others: [],
  authRefused: false,
  gain: 0.5,
  lights: 0,
  tilt: 0,
};

const NOTHING: readonly never[] = [];

const MODE_ACTIONS: Partial<Record<Action, Mode>> = {
  "mode-manual": "manual",
  "mode-stabilize": "stabilize",
  "mode-depth-hold": "depth-hold",
  "mode-heading-hold": "heading-hold",
};

/** Action → the control it steps and by how much. */
const STEPS: Partial<Record<Action, [Control, number]>> = {
  "gain-up": ["gain", 0.1],
  "gain-down": ["gain", -0.1],
  "lights-up": ["lights", 0.1],
  "lights-down": ["lights", -0.1],
  "tilt-up": ["tilt", 0.1],
  "tilt-down": ["tilt", -0.1],
};

const RANGES: Record<Control, [number, number]> = { gain: [0.1, 1], lights: [0, 1], tilt: [-1, 1] };

export function reduceSession(s: SessionState, ev: SessionEvent): SessionOutcome {
  switch (ev.kind) {
    case "sign-in":
      return only({ ...s, authRefused: false });
    case "sign-out":
      return only({ ...s, session: 0, vehicle: "", online: false, role: "none", others: [] });
    case "socket-closed":
      return only({ ...s, online: false, role: "none", others: [] });
    case "received":
      return received(s, ev.message);
    case "action":
      return action(s, ev.action);
    case "control":
      return setControl(s, ev.control, ev.value);
    case "target":
      return target(s, ev.depth, ev.heading);
    case "command":
      if (s.role !== "pilot") return only(s);
      return { state: s, send: [ev.message], notices: NOTHING };
  }
}

/** A typed target → a `mode` message, or a notice saying why not (only the pilot; values checked). */
function target(s: SessionState, depth: number | undefined, heading: number | undefined): SessionOutcome {
  if (s.role !== "pilot") return only(s);
  const refuse = (text: string): SessionOutcome => ({
    state: s,
    send: NOTHING,
    notices: [{ type: "event", severity: "warning", code: "COCKPIT_BAD_TARGET", text }],
  });
  if (depth !== undefined) {
    if (!(Number.isFinite(depth) && depth >= 0 && depth <= 1000)) return refuse("target depth must be 0–1000 m");
    return { state: s, send: [{ type: "mode", mode: "depth-hold", targetDepth: depth }], notices: NOTHING };
  }
  if (heading !== undefined) {
    if (!(Number.isFinite(heading) && heading >= 0 && heading <= 360)) return refuse("target heading must be 0–360°");
    const h = heading === 360 ? 0 : heading;
    const mode = s.telemetry?.mode === "depth-hold" ? "depth-hold" : "heading-hold";
    return { state: s, send: [{ type: "mode", mode, targetHeading: h }], notices: NOTHING };
  }
  return only(s);
}

function received(s: SessionState, m: Message): SessionOutcome {
  switch (m.type) {
    case "auth-result":
      return only(
        m.ok
          ? { ...s, session: m.session, access: m.access, online: true, role: "none" }
          : { ...s, authRefused: true, session: 0, online: false, role: "none" },
      );
    case "vehicles": {
      const mine = m.vehicles.find((v) => v.id === s.vehicle) ?? m.vehicles[0];
      if (mine && s.role === "none" && s.vehicle === "") {
        return {
          state: { ...s, vehicles: m.vehicles, vehicle: mine.id },
          send: [{ type: "role-request", vehicle: mine.id, role: "observer", takeover: false }],
          notices: NOTHING,
        };
      }
      return only({ ...s, vehicles: m.vehicles });
    }
    case "role": {
      if (m.vehicle !== s.vehicle && s.vehicle !== "") return only(s);
      // Impossible states are not entered, whatever arrives: a role while signed out, or the pilot
      // role without pilot access (the hub never grants either).
      if (s.session === 0 || (m.role === "pilot" && s.access !== "pilot")) return only(s);
      const next = { ...s, vehicle: m.vehicle, role: m.role };
      if (s.role !== "pilot" || m.role === "pilot") return only(next);
      return {
        state: next,
        send: NOTHING,
        notices: [
          {
            type: "event",
            severity: "warning",
            code: `ROLE_${m.reason.toUpperCase().replace("-", "_")}`,
            text: `you are no longer the pilot (${m.reason} by session ${m.by})`,
          },
        ],
      };
    }
    case "telemetry":
      return only({ ...s, telemetry: m, telemetryCount: s.telemetryCount + 1 });
    case "vehicle-status":
      return only({ ...s, status: m });
    case "sessions":
      if (m.vehicle !== s.vehicle) return only(s);
      return only({
        ...s,
        others: m.sessions.filter((x) => x.session !== s.session).map((x) => ({ session: x.session, name: x.name })),
      });
    default:
      return only(s);
  }
}

function action(s: SessionState, a: Action): SessionOutcome {
  if (s.role !== "pilot") return only(s);
  if (a === "arm" || a === "disarm") return { state: s, send: [{ type: a }], notices: NOTHING };
  const mode = MODE_ACTIONS[a];
  if (mode !== undefined) return { state: s, send: [{ type: "mode", mode }], notices: NOTHING };
  if (a === "tilt-center") return setControl(s, "tilt", 0);
  const step = STEPS[a];
  return step === undefined ? only(s) : setControl(s, step[0], s[step[0]] + step[1]);
}

/** Sets a control (rounded to 0.1 within its range); lights and tilt go to the vehicle at once. */
function setControl(s: SessionState, control: Control, value: number): SessionOutcome {
  if (!Number.isFinite(value)) return only(s);
  const [lo, hi] = RANGES[control];
  const v = Math.round(Math.max(lo, Math.min(hi, value)) * 10) / 10;
  const state = { ...s, [control]: v };
  if (control === "lights") return { state, send: [{ type: "lights", level: v }], notices: NOTHING };
  if (control === "tilt") return { state, send: [{ type: "camera-tilt", tilt: v }], notices: NOTHING };
  return only(state);
}

function only(state: SessionState): SessionOutcome {
  return { state, send: NOTHING, notices: NOTHING };
}
