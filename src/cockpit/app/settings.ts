import {
  ACTIONS,
  type Action,
  DEFAULT_MAPPING,
  keyRampMs,
  type Mapping,
  PILOT_AXES,
  parseMapping,
  remapButton,
  STANDARD_BUTTON_NAMES,
} from "../input/mapping.ts";
import { $ } from "./dom.ts";

/** Input mapping saved per browser (localStorage), with small editors for stick shaping and
 *  gamepad buttons. */
const KEY = "tethys.input-mapping.v1";

export function loadMapping(): Mapping {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw) return parseMapping(JSON.parse(raw)) ?? structuredClone(DEFAULT_MAPPING);
  } catch {
    // unreadable storage: defaults
  }
  return structuredClone(DEFAULT_MAPPING);
}

export function saveMapping(m: Mapping): void {
  localStorage.setItem(KEY, JSON.stringify(m));
}

/** Renders deadzone / expo / invert per bound axis; calls onChange with the edited mapping. */
export function renderAxisSettings(host: HTMLElement, mapping: Mapping, onChange: (m: Mapping) => void): void {
  host.replaceChildren();
  for (const axis of PILOT_AXES) {
    const b = mapping.axes[axis];
    if (!b) continue;
    const row = document.createElement("div");
    row.className = "axis-settings";
    row.innerHTML = `<strong>${axis}</strong>
      <label>dz <input type="number" min="0" max="0.5" step="0.01" value="${b.shape.deadzone}" data-k="deadzone"></label>
      <label>expo <input type="number" min="0" max="1" step="0.05" value="${b.shape.expo}" data-k="expo"></label>
      <label><input type="checkbox" ${b.shape.invert ? "checked" : ""} data-k="invert"> invert</label>`;
    row.addEventListener("change", (ev) => {
      const input = ev.target as HTMLInputElement;
      const k = input.dataset.k;
      if (k === "invert") b.shape.invert = input.checked;
      else if (k === "deadzone" || k === "expo") {
        const v = Number(input.value);
        const max = k === "deadzone" ? 0.5 : 1;
        if (Number.isFinite(v) && v >= 0 && v <= max) b.shape[k] = v;
        else input.value = String(b.shape[k]);
      }
      onChange(mapping);
    });
    host.append(row);
  }
}

/** Renders one action picker per standard-layout button; calls onChange with the new mapping. */
export function renderButtonSettings(host: HTMLElement, mapping: Mapping, onChange: (m: Mapping) => void): void {
  host.replaceChildren();
  STANDARD_BUTTON_NAMES.forEach((name, button) => {
    const label = document.createElement("label");
    label.className = "button-setting";
    label.textContent = `${button} · ${name} `;
    const select = document.createElement("select");
    select.dataset.button = String(button);
    select.append(Object.assign(document.createElement("option"), { value: "", textContent: "— nothing —" }));
    for (const action of ACTIONS) {
      select.append(
        Object.assign(document.createElement("option"), {
          value: action,
          textContent: action === "arm" ? "arm (hold)" : action,
        }),
      );
    }
    select.value = mapping.buttons[button] ?? "";
    select.addEventListener("change", () => {
      // The select only offers valid actions; remapButton re-checks (the DOM can be edited).
      try {
        mapping = remapButton(mapping, button, select.value === "" ? null : (select.value as Action));
        onChange(mapping);
      } catch {
        select.value = mapping.buttons[button] ?? "";
      }
    });
    label.append(select);
    host.append(label);
  });
}

/**
 * Wires the Input settings dialog: the keyboard ramp (0–5000 ms), the axis and button editors
 * and Reset to defaults. `mapping` gives the mapping in use; `changed` takes an edited one (the
 * page applies it to the input and saves it).
 */
export function wireSettingsDialog(mapping: () => Mapping, changed: (m: Mapping) => void): void {
  const dialog = $("settings") as HTMLDialogElement;
  const ramp = $("settings-key-ramp") as HTMLInputElement;
  ramp.addEventListener("change", () => {
    const v = Number(ramp.value);
    if (ramp.value.trim() !== "" && Number.isFinite(v) && v >= 0 && v <= 5000) changed({ ...mapping(), keyRampMs: v });
    else ramp.value = String(keyRampMs(mapping()));
  });
  const redraw = (): void => {
    ramp.value = String(keyRampMs(mapping()));
    renderAxisSettings($("settings-axes"), mapping(), changed);
    renderButtonSettings($("settings-buttons"), mapping(), changed);
  };
  $("settings-open").addEventListener("click", () => {
    redraw();
    dialog.showModal();
  });
  $("settings-reset").addEventListener("click", () => {
    changed(structuredClone(DEFAULT_MAPPING));
    redraw();
  });
}
