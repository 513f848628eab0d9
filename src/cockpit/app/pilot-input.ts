import { type GamepadSnapshot, type InputResult, InputState } from "../input/input-state.ts";
import type { Action, Mapping } from "../input/mapping.ts";
import { isTextEntry } from "../input/text-entry.ts";
import { $ } from "./dom.ts";
import { gamepadSupport } from "./gamepad-support.ts";
import { httpsAddress, linkTo } from "./hub-info.ts";

/**
 * The pilot's hands on the page: the keyboard, the gamepad and the on-screen Hold-to-arm button,
 * read into input/input-state.ts's machine. One-shot key actions go to `act` on the key event
 * itself (so quick taps, several per frame, all count); hold-to-arm and the axes are sampled by
 * `sample`, once per animation frame. Flight keys and Space work whatever has focus, except a
 * field taking typed text, and only while the cockpit is shown.
 */
export class PilotInput {
  /** Whether gamepads can work on this page (else the banner says why). */
  readonly padSupport = gamepadSupport(navigator, window.isSecureContext);
  private current: Mapping;
  private readonly state: InputState;
  /** Keys held for axes and hold-to-arm (sampled each frame). */
  private readonly keys = new Set<string>();
  private readonly held = new Set<string>();
  private uiArmHeld = false;

  constructor(mapping: Mapping, act: (action: Action) => void) {
    this.current = mapping;
    this.state = new InputState(mapping);
    if (!this.padSupport.ok) {
      const w = $("secure-warning");
      w.hidden = false;
      w.dataset.reason = this.padSupport.reason;
      w.textContent = this.padSupport.text;
      if (this.padSupport.reason === "insecure-context")
        void httpsAddress().then((url) => {
          if (typeof url === "string") w.append(" This hub over HTTPS: ", linkTo(url, "secure-warning-link"), ".");
        });
    }
    // A slider or button the pilot just touched must not swallow flight keys (nor Space scroll the page).
    const typing = (el: EventTarget | null): boolean =>
      el instanceof HTMLElement && isTextEntry(el.tagName, el.getAttribute("type"), el.isContentEditable);
    const flightKey = (code: string): boolean => Boolean(this.current.keyAxes[code] || this.current.keyActions[code]);
    window.addEventListener("keydown", (ev) => {
      if (typing(ev.target) || $("cockpit").hidden) return;
      const action = this.current.keyActions[ev.code];
      if (flightKey(ev.code)) ev.preventDefault();
      if (action !== undefined && action !== "arm") {
        if (!ev.repeat) act(action);
        return;
      }
      this.keys.add(ev.code);
    });
    window.addEventListener("keyup", (ev) => {
      this.keys.delete(ev.code);
      // A focused button would otherwise take Space or Enter as a click on release.
      if (!typing(ev.target) && !$("cockpit").hidden && flightKey(ev.code)) ev.preventDefault();
    });
    window.addEventListener("blur", () => this.keys.clear());
    const arm = $("arm");
    arm.addEventListener("pointerdown", () => {
      this.uiArmHeld = true;
    });
    for (const e of ["pointerup", "pointerleave", "pointercancel"])
      arm.addEventListener(e, () => {
        this.uiArmHeld = false;
      });
  }

  /** The mapping in use (the guide shows its keys). */
  get mapping(): Mapping {
    return this.current;
  }

  setMapping(mapping: Mapping): void {
    this.current = mapping;
    this.state.setMapping(mapping);
  }

  /** The first connected gamepad, or null (never throws: the frame loop must keep running). */
  gamepad(): GamepadSnapshot | null {
    if (!this.padSupport.ok) return null;
    try {
      for (const p of navigator.getGamepads()) {
        if (p?.connected) return p;
      }
    } catch {
      // Never let the gamepad stop the frame loop (instruments and link indicator live there).
    }
    return null;
  }

  /** This frame's input from `pad` (see `gamepad`), the held keys and the Hold-to-arm button. */
  sample(pad: GamepadSnapshot | null, now: number): InputResult {
    this.held.clear();
    for (const k of this.keys) this.held.add(k);
    if (this.uiArmHeld) this.held.add("Enter");
    return this.state.update(pad, this.held, now);
  }

  /** What the top bar says about the gamepad. */
  padText(pad: GamepadSnapshot | null): string {
    if (pad) {
      const p = pad as Gamepad;
      return `Gamepad: ${p.id?.slice(0, 40) ?? "connected"}${p.mapping === "standard" ? "" : " (non-standard mapping: check Input settings)"}`;
    }
    return this.padSupport.ok ? "No gamepad (press a button to wake it)" : "Gamepad unavailable (see the banner)";
  }
}
