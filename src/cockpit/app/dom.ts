/** Small DOM helpers: typed lookup that fails loudly, and bar rows for −1..1 values. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`cockpit: missing element #${id}`);
  return el as T;
}

/** Keeps `count` bar rows in `container` and sets each to a value in −1..1 (or 0..1). */
export function setBars(
  container: HTMLElement,
  labels: readonly string[],
  values: ArrayLike<number>,
  signed = true,
): void {
  while (container.children.length > labels.length) container.lastElementChild?.remove();
  while (container.children.length < labels.length) {
    const row = document.createElement("div");
    row.className = "bar";
    row.innerHTML =
      '<span class="name"></span><span class="track"><span class="fill"></span></span><span class="value"></span>';
    container.append(row);
  }
  labels.forEach((label, i) => {
    const row = container.children[i] as HTMLElement;
    const v = Math.max(signed ? -1 : 0, Math.min(1, values[i] ?? 0));
    setText(row.children[0] as HTMLElement, label);
    const fill = row.querySelector(".fill") as HTMLElement;
    if (signed) {
      setStyle(fill, "left", `${v < 0 ? 50 + v * 50 : 50}%`);
      setStyle(fill, "width", `${Math.abs(v) * 50}%`);
    } else {
      setStyle(fill, "left", "0");
      setStyle(fill, "width", `${v * 100}%`);
    }
    setText(row.children[2] as HTMLElement, `${Math.round(v * 100)}%`);
  });
}

export function fmt(v: number | null | undefined, digits: number, unit: string): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : `${v.toFixed(digits)} ${unit}`;
}

/** Sets an element's text only when it differs: parts of the page are refreshed every frame, and
 *  rewriting unchanged text would replace the text node (DOM garbage and layout work) each time. */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function setStyle(el: HTMLElement, prop: "left" | "width", value: string): void {
  if (el.style[prop] !== value) el.style[prop] = value;
}
