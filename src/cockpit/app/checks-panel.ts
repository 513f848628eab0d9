import type { MessageOf } from "../../protocol/index.ts";
import { depthZeroLine, imuCalibrationView } from "../core/checks-view.ts";
import {
  IDLE,
  MOTOR_TEST_ENDERS,
  type MotorTestEvent,
  motorTestPrompt,
  reduceMotorTest,
} from "../core/motor-test-flow.ts";
import type { SessionEvent, SessionState } from "../core/session.ts";
import type { Alarms } from "./alarms.ts";
import { $, setText } from "./dom.ts";

/**
 * The Checks dialog: the consumed energy and its reset, depth zero, the IMU calibration, the
 * guided motor test (core/motor-test-flow.ts) and each thruster's direction and ESC range. Every
 * command is confirmed by the pilot first and goes out through the session (`dispatch`), which
 * sends it only for the pilot. The page feeds it the hub's `vehicle-status`, telemetry and
 * events; it reads the session for the vehicle's last status.
 */
export class ChecksPanel {
  private motorFlow = IDLE;
  /** The thruster list last drawn, so a redraw does not wipe what the pilot is typing. */
  private thrustersShown = "";
  private readonly session: () => SessionState;
  private readonly dispatch: (ev: SessionEvent) => void;
  private readonly alarms: Alarms;

  constructor(session: () => SessionState, dispatch: (ev: SessionEvent) => void, alarms: Alarms) {
    this.session = session;
    this.dispatch = dispatch;
    this.alarms = alarms;
    const checks = $("checks") as HTMLDialogElement;
    $("checks-open").addEventListener("click", () => checks.showModal());
    $("checks-open").addEventListener("click", () => this.render());
    $("depth-zero").addEventListener("click", () => {
      const water = ($("checks-water") as HTMLSelectElement).value === "salt" ? "salt" : "fresh";
      if (
        confirm(`Take the pressure now as the surface (depth 0), ${water} water? Only with the vehicle at the surface.`)
      )
        dispatch({ kind: "command", message: { type: "depth-zero", water } });
    });
    $("motor-start").addEventListener("click", () => {
      const s = session();
      this.motor({ kind: "start", count: s.status?.thrusters.length ?? s.telemetry?.thrusters.length ?? 0 });
    });
    $("motor-confirm").addEventListener("click", () => this.motor({ kind: "confirm" }));
    $("motor-yes").addEventListener("click", () => this.motor({ kind: "answer", ok: true }));
    $("motor-no").addEventListener("click", () => this.motor({ kind: "answer", ok: false }));
    $("motor-stop").addEventListener("click", () => this.motor({ kind: "abort" }));
    $("checks-thrusters").addEventListener("click", (ev) => {
      const b = ev.target as HTMLElement;
      if (b.tagName === "BUTTON" && b.dataset.thruster !== undefined) this.saveThruster(Number(b.dataset.thruster));
    });
    $("reset-energy").addEventListener("click", () => {
      if (confirm("Reset the consumed-energy counter to 0? Do this only after fitting a fully charged battery."))
        dispatch({ kind: "command", message: { type: "reset-energy" } });
    });
  }

  /** The vehicle's status (already in the session): the motor test and the dialog follow it. */
  status(status: MessageOf<"vehicle-status">): void {
    this.motor({ kind: "status", status });
    this.render();
  }

  /** A telemetry frame: arming ends a motor test; the energy and depth lines follow. */
  telemetry(m: MessageOf<"telemetry">): void {
    if (m.armed && this.motorFlow.phase !== "idle") this.motor({ kind: "armed" });
    setText($("checks-energy"), m.battery.consumedWh === null ? "—" : `${m.battery.consumedWh.toFixed(1)} Wh`);
    // The depth is this frame's, not the one of the last status (a replay's seek sends the status first).
    setText($("checks-depth"), depthZeroLine(this.session().status, m.depth));
  }

  /** An event from the vehicle or hub: some end a running motor test. */
  event(code: string): void {
    if (MOTOR_TEST_ENDERS.has(code) && this.motorFlow.phase !== "idle") this.motor({ kind: "refused", code });
  }

  /** Feeds the guided motor test; what it says to send goes through the session (pilot only). */
  private motor(ev: MotorTestEvent): void {
    const reversed = this.session().status?.thrusters.map((t) => t.reversed) ?? [];
    const o = reduceMotorTest(this.motorFlow, ev, reversed);
    this.motorFlow = o.flow;
    for (const m of o.send) this.dispatch({ kind: "command", message: m });
    this.render();
  }

  private render(): void {
    const session = this.session();
    const st = session.status;
    setText($("checks-depth"), depthZeroLine(st, session.telemetry?.depth));
    const imu = imuCalibrationView(st);
    $("checks-imu").replaceChildren(
      ...imu.parts.map((p) =>
        Object.assign(document.createElement("li"), {
          className: p.level === 3 ? "done" : "",
          textContent: `${p.name} ${p.level === null ? "?" : p.level}/3 — ${p.todo}`,
        }),
      ),
    );
    setText($("motor-prompt"), motorTestPrompt(this.motorFlow));
    $("motor-confirm").hidden = this.motorFlow.phase !== "confirm";
    $("motor-yes").hidden = $("motor-no").hidden = this.motorFlow.phase !== "ask";
    this.renderThrusters();
  }

  private renderThrusters(): void {
    const list = this.session().status?.thrusters ?? [];
    const key = JSON.stringify(list);
    if (key === this.thrustersShown) return; // keep what the pilot is typing until the vehicle changes it
    this.thrustersShown = key;
    const host = $("checks-thrusters");
    host.replaceChildren();
    list.forEach((t, i) => {
      const cells = [
        Object.assign(document.createElement("span"), { textContent: `T${i + 1}` }),
        Object.assign(document.createElement("label"), {
          innerHTML: `<input type="checkbox" data-k="reversed" ${t.reversed ? "checked" : ""}> reversed`,
        }),
        ...(["minUs", "neutralUs", "maxUs"] as const).map((k) =>
          Object.assign(document.createElement("input"), {
            type: "number",
            min: "800",
            max: "2200",
            step: "1",
            placeholder: "board",
            value: t[k] === 0 ? "" : String(t[k]),
            title: k,
          }),
        ),
        Object.assign(document.createElement("button"), { type: "button", textContent: "Save" }),
      ];
      for (const c of cells) c.dataset.thruster = String(i);
      host.append(...cells);
    });
  }

  private saveThruster(i: number): void {
    const cells = [...$("checks-thrusters").querySelectorAll<HTMLElement>(`[data-thruster="${i}"]`)];
    const reversed = (cells[1]?.querySelector("input") as HTMLInputElement | null)?.checked ?? false;
    const nums = cells.slice(2, 5).map((c) => (c as HTMLInputElement).value.trim());
    const range = nums.every((v) => v === "")
      ? undefined
      : { minUs: Number(nums[0]), neutralUs: Number(nums[1]), maxUs: Number(nums[2]) };
    if (
      range &&
      !(range.minUs >= 800 && range.minUs < range.neutralUs && range.neutralUs < range.maxUs && range.maxUs <= 2200)
    ) {
      this.alarms.add({
        type: "event",
        severity: "warning",
        code: "COCKPIT_BAD_RANGE",
        text: "ESC range: 800 ≤ min < neutral < max ≤ 2200 µs, or all empty for the board's",
      });
      return;
    }
    if (
      !confirm(
        `Save thruster ${i + 1}: ${reversed ? "reversed" : "normal"}, ${range ? `${range.minUs}–${range.neutralUs}–${range.maxUs} µs` : "the board's ESC range"}?`,
      )
    )
      return;
    this.dispatch({
      kind: "command",
      message: { type: "thruster-config", thruster: i, reversed, ...(range ? { range } : {}) },
    });
  }
}
