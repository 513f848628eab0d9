import { COLORS, prepare } from "./canvas.ts";

const CARDINAL: Record<number, string> = {
  0: "N",
  45: "NE",
  90: "E",
  135: "SE",
  180: "S",
  225: "SW",
  270: "W",
  315: "NW",
};

/** Horizontal heading tape centred on the heading, ±60° visible, with an optional target bug. */
export function drawHeadingTape(
  canvas: HTMLCanvasElement,
  heading: number | null,
  stale: boolean,
  target?: number,
): void {
  const { ctx, w, h } = tapeCanvas(canvas);
  const cx = w / 2;
  if (heading === null) {
    centre(ctx, cx, h / 2, "HEADING UNKNOWN", COLORS.dim);
    label(canvas, "heading unknown");
    return;
  }
  const pxPerDeg = w / 120;
  scaleStyle(ctx, stale, "12px system-ui, sans-serif", "center");
  // Figures sit in their own band below the readout's (top 20 px): the readout never covers them.
  ctx.textBaseline = "top";
  for (let d = Math.floor(heading - 60); d <= heading + 60; d++) {
    if (d % 5 !== 0) continue;
    const x = cx + (d - heading) * pxPerDeg;
    const major = d % 15 === 0;
    ctx.beginPath();
    ctx.moveTo(x, h);
    ctx.lineTo(x, h - (major ? 14 : 7));
    ctx.stroke();
    const n = ((d % 360) + 360) % 360;
    if (n % 45 === 0) ctx.fillText(CARDINAL[n] ?? "", x, h - 28);
    else if (major) ctx.fillText(String(n), x, h - 28);
  }
  if (target !== undefined) {
    const dx = ((((target - heading) % 360) + 540) % 360) - 180;
    ctx.fillStyle = "#3fb950";
    ctx.fillRect(cx + dx * pxPerDeg - 4, 0, 8, 8);
  }
  ctx.fillStyle = COLORS.accent;
  ctx.beginPath();
  ctx.moveTo(cx, h - 2);
  ctx.lineTo(cx - 6, h - 12);
  ctx.lineTo(cx + 6, h - 12);
  ctx.fill();
  const shown = `${Math.round(heading) % 360}°`;
  readout(ctx, cx - 28, 0, 56, 19, shown, stale);
  label(canvas, `heading ${shown}`);
}

/** Vertical depth tape (positive down) with the vertical speed as an arrow and figure. */
export function drawDepthTape(
  canvas: HTMLCanvasElement,
  depth: number | null,
  verticalSpeed: number | null,
  stale: boolean,
  target?: number,
): void {
  const { ctx, w, h } = tapeCanvas(canvas);
  const cy = h / 2;
  if (depth === null) {
    centre(ctx, w / 2, cy, "DEPTH ?", COLORS.dim);
    label(canvas, "depth unknown");
    return;
  }
  // The bottom band holds the vertical speed figure; the scale is drawn above it only.
  const band = verticalSpeed === null ? 0 : 20;
  const pxPerM = h / 10;
  scaleStyle(ctx, stale, "11px system-ui, sans-serif", "left");
  ctx.textBaseline = "middle";
  for (let d = Math.floor((depth - 5) * 2) / 2; d <= depth + 5; d += 0.5) {
    const y = cy + (d - depth) * pxPerM;
    const major = Math.abs(d - Math.round(d)) < 1e-9;
    ctx.beginPath();
    ctx.moveTo(0, y);
    ctx.lineTo(major ? 14 : 7, y);
    ctx.stroke();
    // Figures under the readout box or in the speed band are left out, not half covered.
    if (major && Math.abs(y - cy) > 16 && y < h - band - 6) ctx.fillText(`${d.toFixed(0)}`, 18, y);
  }
  if (depth < 5) {
    const ySurface = cy - depth * pxPerM;
    ctx.fillStyle = "rgba(90,160,255,0.25)";
    ctx.fillRect(0, 0, w, Math.max(0, ySurface));
  }
  if (target !== undefined) {
    ctx.fillStyle = "#3fb950";
    ctx.fillRect(w - 8, cy + (target - depth) * pxPerM - 4, 8, 8);
  }
  const shown = `${depth.toFixed(2)} m`;
  readout(ctx, 4, cy - 11, w - 8, 22, shown, stale);
  label(canvas, `depth ${shown}`);
  if (verticalSpeed !== null) {
    ctx.fillStyle = COLORS.bg;
    ctx.fillRect(0, h - band, w, band);
    const len = Math.max(-1, Math.min(1, verticalSpeed)) * (h / 2 - band - 12);
    ctx.strokeStyle = "#3fb950";
    ctx.lineWidth = 4;
    ctx.beginPath();
    // From the readout box's edge outwards: the arrow never crosses the figure.
    const edge = Math.sign(len) * 12;
    ctx.moveTo(w - 14, cy + edge);
    ctx.lineTo(w - 14, cy + edge + len);
    ctx.stroke();
    ctx.lineWidth = 1;
    centre(
      ctx,
      w / 2,
      h - 10,
      `${verticalSpeed >= 0 ? "↓" : "↑"} ${Math.abs(verticalSpeed).toFixed(2)} m/s`,
      COLORS.line,
    );
  }
}

/**
 * The figure a tape shows, as its accessible name (screen readers; browser tests read what the
 * pilot sees); written only when it changes.
 */
function label(canvas: HTMLCanvasElement, text: string): void {
  if (canvas.getAttribute("aria-label") !== text) canvas.setAttribute("aria-label", text);
}

/** A tape's canvas, sized and cleared to the background. */
function tapeCanvas(canvas: HTMLCanvasElement): ReturnType<typeof prepare> {
  const p = prepare(canvas);
  p.ctx.fillStyle = COLORS.bg;
  p.ctx.fillRect(0, 0, p.w, p.h);
  return p;
}

/** Ticks and scale figures: grey while the link is not live. */
function scaleStyle(ctx: CanvasRenderingContext2D, stale: boolean, font: string, align: CanvasTextAlign): void {
  ctx.strokeStyle = stale ? COLORS.dim : COLORS.line;
  ctx.fillStyle = stale ? COLORS.dim : COLORS.line;
  ctx.font = font;
  ctx.textAlign = align;
}

/** The current value, boxed and centred in the box. */
function readout(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  w: number,
  h: number,
  text: string,
  stale: boolean,
): void {
  ctx.fillStyle = COLORS.bg;
  ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = COLORS.accent;
  ctx.strokeRect(x, y, w, h);
  centre(ctx, x + w / 2, y + h / 2, text, stale ? COLORS.dim : COLORS.accent);
}

function centre(ctx: CanvasRenderingContext2D, x: number, y: number, text: string, color: string): void {
  ctx.font = "bold 13px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}
