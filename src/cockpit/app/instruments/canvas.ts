/** Sizes a canvas's backing store to its CSS size × devicePixelRatio; returns the 2D context. */
export function prepare(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2D canvas context");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

export const COLORS = {
  sky: "#1d5c8c",
  ground: "#6b4a2b",
  line: "#f4f4f4",
  accent: "#ffd400",
  dim: "#8a9199",
  stale: "#555",
  bg: "#0d1117",
};
