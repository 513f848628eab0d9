import { DEFAULT_MAPPING, type Mapping, PILOT_AXES, parseMapping } from "../input/mapping.ts";

/** Input mapping saved per browser (localStorage), with a small editor for stick shaping. */
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
