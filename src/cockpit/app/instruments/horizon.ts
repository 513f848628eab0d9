import { COLORS, prepare } from "./canvas.ts";

/** Artificial horizon: roll rotates, pitch shifts (pxPerDeg), a fixed vehicle symbol. */
export function drawHorizon(
  canvas: HTMLCanvasElement,
  roll: number | null,
  pitch: number | null,
  stale: boolean,
): void {
  const { ctx, w, h } = prepare(canvas);
  const cx = w / 2;
  const cy = h / 2;
  // ±30° of pitch span the dial, however the layout shapes the canvas.
  const pxPerDeg = Math.min(w, h) / 60;
  ctx.save();
  ctx.beginPath();
  ctx.arc(cx, cy, Math.min(w, h) / 2 - 2, 0, Math.PI * 2);
  ctx.clip();
  if (roll === null || pitch === null) {
    ctx.fillStyle = COLORS.stale;
    ctx.fillRect(0, 0, w, h);
    ctx.restore();
    label(ctx, cx, cy, "ATTITUDE UNKNOWN");
    return;
  }
  ctx.translate(cx, cy);
  ctx.rotate((-roll * Math.PI) / 180);
  const y0 = pitch * pxPerDeg;
  ctx.fillStyle = stale ? COLORS.stale : COLORS.sky;
  ctx.fillRect(-w, -2 * h + y0, 2 * w, 2 * h);
  ctx.fillStyle = stale ? "#333" : COLORS.ground;
  ctx.fillRect(-w, y0, 2 * w, 2 * h);
  ctx.strokeStyle = COLORS.line;
  ctx.fillStyle = COLORS.line;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(-w, y0);
  ctx.lineTo(w, y0);
  ctx.stroke();
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  for (let p = -30; p <= 30; p += 10) {
    if (p === 0) continue;
    const y = y0 - p * pxPerDeg;
    const half = p % 20 === 0 ? 30 : 18;
    ctx.beginPath();
    ctx.moveTo(-half, y);
    ctx.lineTo(half, y);
    ctx.stroke();
    ctx.fillText(String(p), half + 4, y);
  }
  ctx.restore();
  // Roll scale and pointer (fixed frame), vehicle symbol.
  ctx.strokeStyle = COLORS.line;
  ctx.lineWidth = 2;
  const r = Math.min(w, h) / 2 - 8;
  for (const a of [-60, -45, -30, -20, -10, 0, 10, 20, 30, 45, 60]) {
    const t = ((a - 90) * Math.PI) / 180;
    const len = a % 30 === 0 ? 10 : 6;
    ctx.beginPath();
    ctx.moveTo(cx + r * Math.cos(t), cy + r * Math.sin(t));
    ctx.lineTo(cx + (r - len) * Math.cos(t), cy + (r - len) * Math.sin(t));
    ctx.stroke();
  }
  const t = ((-roll - 90) * Math.PI) / 180;
  ctx.fillStyle = COLORS.accent;
  ctx.beginPath();
  ctx.moveTo(cx + (r - 12) * Math.cos(t), cy + (r - 12) * Math.sin(t));
  ctx.lineTo(cx + (r - 22) * Math.cos(t - 0.06), cy + (r - 22) * Math.sin(t - 0.06));
  ctx.lineTo(cx + (r - 22) * Math.cos(t + 0.06), cy + (r - 22) * Math.sin(t + 0.06));
  ctx.fill();
  ctx.strokeStyle = COLORS.accent;
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(cx - 50, cy);
  ctx.lineTo(cx - 15, cy);
  ctx.lineTo(cx - 8, cy + 8);
  ctx.moveTo(cx + 50, cy);
  ctx.lineTo(cx + 15, cy);
  ctx.lineTo(cx + 8, cy + 8);
  ctx.stroke();
  label(ctx, cx, h - 12, `roll ${roll.toFixed(1)}°  pitch ${pitch.toFixed(1)}°`);
}

function label(ctx: CanvasRenderingContext2D, x: number, y: number, text: string): void {
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillStyle = COLORS.line;
  ctx.fillText(text, x, y);
}
