import { KeyRamp } from "../core/key-ramp.ts";
import { type Action, keyRampMs, type Mapping, PILOT_AXES, type PilotAxis } from "./mapping.ts";
import { shapeAxis } from "./shaping.ts";

/**
 * The cockpit's input state machine, pure: fed the current gamepad snapshot (or none), the
 * keys held, and the time, it yields the pilot axes to send and the actions triggered on this
 * update (button and key presses are edge-triggered; arm must be held for `armHoldMs`).
 * The cockpit calls `update` from requestAnimationFrame and sends the result; tests call it
 * directly.
 */
export interface GamepadSnapshot {
  axes: readonly number[];
  buttons: readonly { pressed: boolean; value: number }[];
}

export interface InputResult {
  axes: Record<PilotAxis, number>;
  /** Actions that fired on this update. */
  actions: Action[];
  /** 0..1 while the arm control is held; 1 on the update that fires "arm". */
  armProgress: number;
  /** Where the input came from this update. */
  source: "gamepad" | "keyboard" | "none";
}

export class InputState {
  private mapping: Mapping;
  private prevButtons = new Set<number>();
  private prevKeys = new Set<string>();
  private armHeldSince: number | undefined;
  private armFired = false;
  private readonly ramp: KeyRamp;
  /** Reused: the held keys' direction per axis. */
  private readonly keyTarget: Record<PilotAxis, number> = { surge: 0, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0 };

  constructor(mapping: Mapping) {
    this.mapping = mapping;
    this.ramp = new KeyRamp(keyRampMs(mapping));
  }

  setMapping(mapping: Mapping): void {
    this.mapping = mapping;
    this.ramp.setRamp(keyRampMs(mapping));
  }

  update(pad: GamepadSnapshot | null, keys: ReadonlySet<string>, now: number): InputResult {
    const m = this.mapping;
    const axes: Record<PilotAxis, number> = { surge: 0, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0 };
    const actions: Action[] = [];
    let source: InputResult["source"] = "none";
    let armHeld = false;

    if (pad) {
      for (const [name, b] of Object.entries(m.axes) as [PilotAxis, NonNullable<Mapping["axes"][PilotAxis]>][]) {
        const v = shapeAxis((pad.axes[b.axis] ?? 0) * b.sign, b.shape);
        if (v !== 0) {
          axes[name] = v;
          source = "gamepad";
        }
      }
      const down = new Set<number>();
      pad.buttons.forEach((btn, i) => {
        if (btn.pressed) down.add(i);
      });
      for (const i of down) {
        const action = m.buttons[i];
        if (action === undefined) continue;
        source = "gamepad";
        if (action === "arm") armHeld = true;
        else if (!this.prevButtons.has(i)) actions.push(action);
      }
      this.prevButtons = down;
    } else {
      this.prevButtons = new Set();
    }

    // Keyboard adds to (and, when no stick is deflected, replaces) the gamepad axes; a held key
    // ramps its axis up over the mapping's key ramp (core/key-ramp.ts).
    const kt = this.keyTarget;
    for (const a of PILOT_AXES) kt[a] = 0;
    for (const code of keys) {
      const ka = m.keyAxes[code];
      if (ka) {
        kt[ka.axis] += ka.value;
        source = source === "none" ? "keyboard" : source;
      }
      const action = m.keyActions[code];
      if (action === undefined) continue;
      if (source === "none") source = "keyboard";
      if (action === "arm") armHeld = true;
      else if (!this.prevKeys.has(code)) actions.push(action);
    }
    this.prevKeys = new Set(keys);
    for (const a of PILOT_AXES) {
      const k = this.ramp.value(a, kt[a], now);
      if (k !== 0) axes[a] = Math.max(-1, Math.min(1, axes[a] + k));
    }

    let armProgress = 0;
    if (armHeld) {
      this.armHeldSince ??= now;
      armProgress = Math.min(1, (now - this.armHeldSince) / m.armHoldMs);
      if (armProgress >= 1 && !this.armFired) {
        actions.push("arm");
        this.armFired = true;
      }
    } else {
      this.armHeldSince = undefined;
      this.armFired = false;
    }
    return { axes, actions, armProgress, source };
  }
}
