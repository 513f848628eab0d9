/** Small DOM helpers: typed lookup that fails loudly, and bar rows for −1..1 values. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`cockpit: missing element #${id}`);
  return el as T;
}

/** Keeps `count` bar rows in `container` and sets each to a value in −1..1 (or 0..1). */
export function setBars(container: HTMLElement, labels: readonly string[], values: ArrayLike<number>, signed = true): void {
  while (container.children.length > labels.length) container.lastElementChild?.remove();
  while (container.children.length < labels.length) {
    const row = document.createElement("div");
    row.className = "bar";
    row.innerHTML = '<span class="name"></span><span class="track"><span class="fill"></span></span><span class="value"></span>';
    container.append(row);
  }
  labels.forEach((label, i) => {
    const row = container.children[i] as HTMLElement;
    const v = Math.max(signed ? -1 : 0, Math.min(1, values[i] ?? 0));
    (row.children[0] as HTMLElement).textContent = label;
    const fill = row.querySelector(".fill") as HTMLElement;
    if (signed) {
      fill.style.left = `${v < 0 ? 50 + v * 50 : 50}%`;
      fill.style.width = `${Math.abs(v) * 50}%`;
    } else {
      fill.style.left = "0";
      fill.style.width = `${v * 100}%`;
    }
    (row.children[2] as HTMLElement).textContent = `${Math.round(v * 100)}%`;
  });
}

export function fmt(v: number | null | undefined, digits: number, unit: string): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : `${v.toFixed(digits)} ${unit}`;
}
