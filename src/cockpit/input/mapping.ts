import { TethysError } from "../../kernel/errors.ts";
import { DEFAULT_KEY_RAMP_MS, MAX_KEY_RAMP_MS } from "../core/key-ramp.ts";
import { type AxisShape, DEFAULT_SHAPE } from "./shaping.ts";

/**
 * Input mapping as data (saved per browser by the cockpit): which gamepad axis drives which
 * pilot axis, which buttons trigger which actions, and the keyboard fallback. Defaults follow
 * the W3C "standard" gamepad layout, which Chromium and Firefox use for Xbox, PlayStation and
 * most common controllers, and the ArduSub/QGroundControl stick convention:
 *   left stick: up/down = heave (up ascends), left/right = yaw
 *   right stick: up/down = surge, left/right = sway
 * Pilot axes are Tethys's body frame: surge +forward, sway +right, heave +down, yaw +right.
 */
export const PILOT_AXES = ["surge", "sway", "heave", "roll", "pitch", "yaw"] as const;
export type PilotAxis = (typeof PILOT_AXES)[number];

export const ACTIONS = [
  "arm",
  "disarm",
  "mode-manual",
  "mode-stabilize",
  "mode-depth-hold",
  "mode-heading-hold",
  "gain-up",
  "gain-down",
  "lights-up",
  "lights-down",
  "tilt-up",
  "tilt-down",
  "tilt-center",
] as const;
export type Action = (typeof ACTIONS)[number];

export interface AxisBinding {
  /** Gamepad axis index (standard layout: 0 LX, 1 LY, 2 RX, 3 RY). */
  axis: number;
  /** −1 when the stick's positive direction is the pilot axis's negative. */
  sign: 1 | -1;
  shape: AxisShape;
}

export interface Mapping {
  axes: Partial<Record<PilotAxis, AxisBinding>>;
  /** Button index (standard layout) → action. */
  buttons: Record<number, Action>;
  /** Keyboard: KeyboardEvent.code → pilot axis and direction while held. */
  keyAxes: Record<string, { axis: PilotAxis; value: 1 | -1 }>;
  /** Keyboard: KeyboardEvent.code → action on press. */
  keyActions: Record<string, Action>;
  /** How long the arm button or key must be held (ms): a deliberate gesture. */
  armHoldMs: number;
  /**
   * Time (ms) a held flight key takes to ramp its axis from 0 to full (0: on/off keys). Absent in
   * mappings saved before it existed: the default applies.
   */
  keyRampMs?: number;
}

/** The mapping's key ramp time, or the default. */
export function keyRampMs(m: Mapping): number {
  return m.keyRampMs ?? DEFAULT_KEY_RAMP_MS;
}

export const DEFAULT_MAPPING: Mapping = {
  axes: {
    yaw: { axis: 0, sign: 1, shape: { ...DEFAULT_SHAPE } },
    heave: { axis: 1, sign: 1, shape: { ...DEFAULT_SHAPE } },
    sway: { axis: 2, sign: 1, shape: { ...DEFAULT_SHAPE } },
    surge: { axis: 3, sign: -1, shape: { ...DEFAULT_SHAPE } },
  },
  buttons: {
    0: "mode-manual", // A / Cross
    1: "mode-depth-hold", // B / Circle
    2: "mode-stabilize", // X / Square
    3: "mode-heading-hold", // Y / Triangle
    4: "lights-down", // LB
    5: "lights-up", // RB
    6: "tilt-down", // LT
    7: "tilt-up", // RT
    8: "disarm", // Back / Select / Share
    9: "arm", // Start / Options (hold)
    11: "tilt-center", // right stick press
    12: "gain-up", // D-pad up
    13: "gain-down", // D-pad down
  },
  keyAxes: {
    KeyW: { axis: "surge", value: 1 },
    KeyS: { axis: "surge", value: -1 },
    KeyA: { axis: "yaw", value: -1 },
    KeyD: { axis: "yaw", value: 1 },
    KeyQ: { axis: "sway", value: -1 },
    KeyE: { axis: "sway", value: 1 },
    KeyR: { axis: "heave", value: -1 },
    KeyF: { axis: "heave", value: 1 },
    ArrowUp: { axis: "surge", value: 1 },
    ArrowDown: { axis: "surge", value: -1 },
    ArrowLeft: { axis: "yaw", value: -1 },
    ArrowRight: { axis: "yaw", value: 1 },
  },
  keyActions: {
    Enter: "arm",
    Space: "disarm",
    Digit1: "mode-manual",
    Digit2: "mode-stabilize",
    Digit3: "mode-depth-hold",
    Digit4: "mode-heading-hold",
    Equal: "gain-up",
    Minus: "gain-down",
    BracketRight: "lights-up",
    BracketLeft: "lights-down",
    PageUp: "tilt-up",
    PageDown: "tilt-down",
    Home: "tilt-center",
  },
  armHoldMs: 1000,
  keyRampMs: DEFAULT_KEY_RAMP_MS,
};

/** Validates a mapping loaded from browser storage; returns undefined if it is unusable. */
export function parseMapping(value: unknown): Mapping | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const m = value as Partial<Mapping>;
  const okShape = (s: unknown): s is AxisShape =>
    typeof s === "object" &&
    s !== null &&
    typeof (s as AxisShape).deadzone === "number" &&
    (s as AxisShape).deadzone >= 0 &&
    (s as AxisShape).deadzone <= 0.5 &&
    typeof (s as AxisShape).expo === "number" &&
    (s as AxisShape).expo >= 0 &&
    (s as AxisShape).expo <= 1 &&
    typeof (s as AxisShape).invert === "boolean";
  if (typeof m.axes !== "object" || m.axes === null) return undefined;
  for (const [k, b] of Object.entries(m.axes)) {
    if (!(PILOT_AXES as readonly string[]).includes(k)) return undefined;
    if (
      !b ||
      !Number.isInteger(b.axis) ||
      b.axis < 0 ||
      b.axis > 15 ||
      (b.sign !== 1 && b.sign !== -1) ||
      !okShape(b.shape)
    )
      return undefined;
  }
  const okAction = (a: unknown): boolean => (ACTIONS as readonly string[]).includes(a as string);
  if (typeof m.buttons !== "object" || m.buttons === null || !Object.values(m.buttons).every(okAction))
    return undefined;
  if (!Object.keys(m.buttons).every((k) => isButtonIndex(Number(k)))) return undefined;
  if (typeof m.keyActions !== "object" || m.keyActions === null || !Object.values(m.keyActions).every(okAction))
    return undefined;
  if (typeof m.keyAxes !== "object" || m.keyAxes === null) return undefined;
  for (const v of Object.values(m.keyAxes)) {
    if (!v || !(PILOT_AXES as readonly string[]).includes(v.axis) || (v.value !== 1 && v.value !== -1))
      return undefined;
  }
  if (typeof m.armHoldMs !== "number" || m.armHoldMs < 300 || m.armHoldMs > 5000) return undefined;
  if (
    m.keyRampMs !== undefined &&
    (typeof m.keyRampMs !== "number" || !(m.keyRampMs >= 0 && m.keyRampMs <= MAX_KEY_RAMP_MS))
  )
    return undefined;
  return m as Mapping;
}

/** Buttons a mapping may bind: the standard layout has 17 (0–16); extra ones up to 31. */
export const MAX_BUTTON = 31;

function isButtonIndex(b: number): boolean {
  return Number.isInteger(b) && b >= 0 && b <= MAX_BUTTON;
}

/**
 * Binds gamepad `button` to `action` (null unbinds it), returning a new mapping; the input is not
 * changed. Several buttons may share an action; a button has at most one. Throws TethysError
 * COCKPIT_MAPPING_BUTTON for a button index outside 0–31 and COCKPIT_MAPPING_ACTION for an
 * unknown action (values come from the settings form, i.e. the user).
 */
export function remapButton(mapping: Mapping, button: number, action: Action | null): Mapping {
  if (!isButtonIndex(button)) {
    throw new TethysError(
      "COCKPIT_MAPPING_BUTTON",
      `gamepad button must be an integer 0–${MAX_BUTTON}, got ${String(button)}`,
      { details: { button } },
    );
  }
  if (action !== null && !(ACTIONS as readonly string[]).includes(action)) {
    throw new TethysError("COCKPIT_MAPPING_ACTION", `unknown action "${String(action)}"`, { details: { action } });
  }
  const buttons: Record<number, Action> = { ...mapping.buttons };
  if (action === null) delete buttons[button];
  else buttons[button] = action;
  return { ...mapping, buttons };
}

/** Names of the standard layout's buttons (W3C Gamepad "standard" mapping), for the settings. */
export const STANDARD_BUTTON_NAMES = [
  "A / Cross",
  "B / Circle",
  "X / Square",
  "Y / Triangle",
  "LB / L1",
  "RB / R1",
  "LT / L2",
  "RT / R2",
  "Back / Share",
  "Start / Options",
  "Left stick press",
  "Right stick press",
  "D-pad up",
  "D-pad down",
  "D-pad left",
  "D-pad right",
  "Home / PS",
] as const;
