import { MAX_THRUSTERS, type MessageOf } from "../../protocol/index.ts";
import { $, fmt, setBars, setText } from "./dom.ts";

const THRUSTER_LABELS = Array.from({ length: MAX_THRUSTERS }, (_, i) => `T${i + 1}`);

/**
 * The telemetry panel: armed state, mode (and the active mode button), battery, temperatures,
 * leak, CPU, thruster bars and the failsafe list. `show` runs for every telemetry frame (up to
 * 50 Hz) and touches the DOM only where something changed.
 */
export class TelemetryPanel {
  private shownMode = "";
  private shownFailsafes: string | undefined;

  show(t: MessageOf<"telemetry">): void {
    const armed = $("armed");
    setText(armed, t.armed ? "ARMED" : "DISARMED");
    if (armed.classList.contains("is-armed") !== t.armed) {
      armed.classList.toggle("is-armed", t.armed);
      armed.classList.toggle("disarmed", !t.armed);
    }
    if (t.mode !== this.shownMode) {
      this.shownMode = t.mode;
      setText($("mode"), t.mode);
      for (const b of document.querySelectorAll<HTMLButtonElement>("[data-mode]"))
        b.classList.toggle("active", b.dataset.mode === t.mode);
    }
    setText(
      $("battery"),
      `${fmt(t.battery.voltage, 2, "V")} · ${fmt(t.battery.current, 1, "A")} · ${fmt(t.battery.consumedWh, 1, "Wh")}`,
    );
    setText($("temps"), `${fmt(t.waterTemperature, 1, "°C")} / ${fmt(t.internalTemperature, 1, "°C")}`);
    const leak = $("leak");
    setText(leak, t.leak ? "LEAK!" : "dry");
    if (leak.style.color !== (t.leak ? "var(--bad)" : "")) leak.style.color = t.leak ? "var(--bad)" : "";
    setText($("cpu"), `${fmt(t.cpu.loadPercent, 0, "%")} · ${fmt(t.cpu.temperature, 0, "°C")}`);
    setBars($("thrusters"), THRUSTER_LABELS.slice(0, t.thrusters.length), t.thrusters);
    const failsafes = t.failsafe.join("\n");
    if (failsafes !== this.shownFailsafes) {
      this.shownFailsafes = failsafes;
      $("failsafes").replaceChildren(
        ...(t.failsafe.length
          ? t.failsafe.map((f) => Object.assign(document.createElement("li"), { textContent: f }))
          : [Object.assign(document.createElement("li"), { textContent: "none", className: "muted" })]),
      );
    }
  }
}
