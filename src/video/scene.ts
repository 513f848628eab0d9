/**
 * The simulated camera's picture: a small software renderer drawing what a forward camera on
 * the vehicle sees — the seabed as a chequered 1 m grid fading into the water with distance, the
 * water above the horizon brightening towards the surface and towards the sun — from the vehicle's heading, pitch,
 * roll and depth, with the capture time burnt into the top-left corner. It writes I420 (YUV
 * 4:2:0 planar, what the encoder takes) into one reused buffer. Pure: pose and time come in.
 *
 * Per pixel the camera ray is rotated into north-east-down axes; a ray going down meets the
 * seabed at t = (seabed − depth) / down, and the grid cell and line follow from where. Along a
 * row the ray is linear in x, so each pixel costs a few multiply-adds and one division.
 */

export interface ScenePose {
  /** Degrees, 0 = north, clockwise. */
  heading: number;
  /** Degrees, nose up positive. */
  pitch: number;
  /** Degrees, right side down positive. */
  roll: number;
  /** Metres below the surface. */
  depth: number;
  /** The camera's tilt servo, degrees up from its mount's `tiltDeg` (0 when it has none). */
  tilt?: number;
}

export interface SceneOptions {
  width: number;
  height: number;
  /** Horizontal field of view, degrees. */
  fovDeg?: number;
  /** Depth of the flat seabed, metres. */
  seabedDepth?: number;
  /** The camera's tilt on the vehicle, degrees, up positive (−90 looks straight down). */
  tiltDeg?: number;
}

const DEG = Math.PI / 180;

export class SceneRenderer {
  readonly width: number;
  readonly height: number;
  /** The I420 picture: Y plane, then U, then V. */
  readonly frame: Uint8Array;
  private readonly focal: number;
  private readonly seabed: number;
  private readonly tiltDeg: number;
  private readonly text = new Uint8Array(32);

  constructor(o: SceneOptions) {
    if (o.width % 2 !== 0 || o.height % 2 !== 0 || o.width < 64 || o.height < 64)
      throw new RangeError(`picture size must be even and at least 64×64, got ${o.width}×${o.height}`);
    this.width = o.width;
    this.height = o.height;
    this.frame = new Uint8Array((o.width * o.height * 3) / 2);
    this.focal = o.width / 2 / Math.tan(((o.fovDeg ?? 80) * DEG) / 2);
    this.seabed = o.seabedDepth ?? 6;
    this.tiltDeg = o.tiltDeg ?? 0;
  }

  /** Draws the picture for `pose` with `timeMicros` (wall clock, UTC) burnt in; returns `frame`. */
  render(pose: ScenePose, timeMicros: number): Uint8Array {
    const { width: w, height: h } = this;
    const depth = Math.max(0, Math.min(pose.depth, this.seabed - 0.3));
    const above = this.seabed - depth; // metres from camera down to the seabed
    const ch = Math.cos(pose.heading * DEG);
    const sh = Math.sin(pose.heading * DEG);
    const cp = Math.cos(pose.pitch * DEG);
    const sp = Math.sin(pose.pitch * DEG);
    const cr = Math.cos(pose.roll * DEG);
    const sr = Math.sin(pose.roll * DEG);
    // Body → NED rotation, Z(heading)·Y(pitch)·X(roll); columns = body forward, right, down.
    const bfN = ch * cp;
    const bfE = sh * cp;
    const bfD = -sp;
    const rN = ch * sp * sr - sh * cr;
    const rE = sh * sp * sr + ch * cr;
    const rD = cp * sr;
    const bdN = ch * sp * cr + sh * sr;
    const bdE = sh * sp * cr - ch * sr;
    const bdD = cp * cr;
    // The camera's axes: the body's turned about its right axis by the mount's tilt and the
    // servo's (up positive).
    const tilt = (this.tiltDeg + (pose.tilt ?? 0)) * DEG;
    const tc = Math.cos(tilt);
    const ts = Math.sin(tilt);
    const fN = tc * bfN - ts * bdN;
    const fE = tc * bfE - ts * bdE;
    const fD = tc * bfD - ts * bdD;
    const dN = ts * bfN + tc * bdN;
    const dE = ts * bfE + tc * bdE;
    const dD = ts * bfD + tc * bdD;
    const fy = this.focal;
    const out = this.frame;
    const pixelAngle = 1 / fy;
    // Luma, full resolution.
    for (let y = 0; y < h; y++) {
      const v = (y + 0.5 - h / 2) / fy;
      const u0 = (0.5 - w / 2) / fy;
      let rayN = fN + u0 * rN + v * dN;
      let rayE = fE + u0 * rE + v * dE;
      let rayD = fD + u0 * rD + v * dD;
      const stepN = rN / fy;
      const stepE = rE / fy;
      const stepD = rD / fy;
      let o = y * w;
      for (let x = 0; x < w; x++) {
        out[o++] = shadeLuma(rayN, rayE, rayD, above, depth, pixelAngle);
        rayN += stepN;
        rayE += stepE;
        rayD += stepD;
      }
    }
    // Chroma, one sample per 2×2 block.
    const cw = w / 2;
    const chh = h / 2;
    const uBase = w * h;
    const vBase = uBase + cw * chh;
    for (let y = 0; y < chh; y++) {
      const v = (2 * y + 1 - h / 2) / fy;
      const u0 = (1 - w / 2) / fy;
      let rayD = fD + u0 * rD + v * dD;
      const stepD = (2 * rD) / fy;
      let o = y * cw;
      for (let x = 0; x < cw; x++) {
        const fog = rayD > 1e-4 ? fogAt(above / rayD) : 0;
        // Water: blue-green (U 150, V 100); seabed: sand (U 110, V 140); blended by visibility.
        out[uBase + o] = (150 - 40 * fog) | 0;
        out[vBase + o] = (100 + 40 * fog) | 0;
        o++;
        rayD += stepD;
      }
    }
    this.stamp(timeMicros);
    return out;
  }

  /** The capture time as HH:MM:SS.mmm (UTC), white on black, top left. */
  private stamp(timeMicros: number): void {
    const ms = Math.floor(timeMicros / 1000);
    const day = ((ms % 86_400_000) + 86_400_000) % 86_400_000;
    const t = this.text;
    let n = 0;
    const put2 = (v: number) => {
      t[n++] = 48 + Math.floor(v / 10);
      t[n++] = 48 + (v % 10);
    };
    put2(Math.floor(day / 3_600_000));
    t[n++] = 58;
    put2(Math.floor(day / 60_000) % 60);
    t[n++] = 58;
    put2(Math.floor(day / 1000) % 60);
    t[n++] = 46;
    const milli = day % 1000;
    t[n++] = 48 + Math.floor(milli / 100);
    put2(milli % 100);
    const scale = Math.max(2, Math.floor(this.height / 120));
    drawText(this.frame, this.width, this.height, t, n, scale, scale, scale);
  }
}

/** Fog over distance (exp(−t / 14 m)), tabulated per 1/16 m up to 64 m. */
const FOG_STEPS = 16;
const FOG = Float32Array.from({ length: 64 * FOG_STEPS + 1 }, (_, i) => Math.exp(-i / FOG_STEPS / 14));

function fogAt(t: number): number {
  const i = (t * FOG_STEPS) | 0;
  return i >= FOG.length - 1 ? 0 : (FOG[i] as number);
}

/**
 * Luma of one ray (NED, not normalised: its length is between 1 and ~1.6, so the distance
 * `above / d` is used as is for fog and line width — no square root per pixel).
 */
function shadeLuma(n: number, e: number, d: number, above: number, depth: number, pixelAngle: number): number {
  if (d > 1e-4) {
    const k = above / d; // the ray, scaled to reach the seabed
    const pn = n * k;
    const pe = e * k;
    const fn = pn - Math.floor(pn);
    const fe = pe - Math.floor(pe);
    const lw = Math.max(0.03, k * pixelAngle * 1.5);
    const line = fn < lw || fe < lw;
    const checker = ((Math.floor(pn) + Math.floor(pe)) & 1) === 0;
    const ground = line ? 235 : checker ? 150 : 110;
    return (60 + (ground - 60) * fogAt(k)) | 0;
  }
  // Water above the horizon: brighter towards the surface and near it, and towards the sun
  // (low in the north-east), so the open water shows which way the camera points too.
  const light = 60 - 100 * d * Math.max(0.2, 1 - depth / 30) + 45 * (0.6 * n + 0.8 * e);
  return light > 255 ? 255 : light < 16 ? 16 : light | 0;
}

/** 3×5 digits, ':' and '.', one row per 3 bits (MSB left). */
const GLYPHS: Record<number, number[]> = {
  48: [7, 5, 5, 5, 7],
  49: [2, 6, 2, 2, 7],
  50: [7, 1, 7, 4, 7],
  51: [7, 1, 7, 1, 7],
  52: [5, 5, 7, 1, 1],
  53: [7, 4, 7, 1, 7],
  54: [7, 4, 7, 5, 7],
  55: [7, 1, 1, 1, 1],
  56: [7, 5, 7, 5, 7],
  57: [7, 5, 7, 1, 7],
  58: [0, 2, 0, 2, 0],
  46: [0, 0, 0, 0, 2],
};

/** Draws `count` characters of `text` into the Y plane at (x0, y0), `scale` pixels per dot, on a black box. */
export function drawText(
  frame: Uint8Array,
  width: number,
  height: number,
  text: Uint8Array,
  count: number,
  x0: number,
  y0: number,
  scale: number,
): void {
  const boxW = Math.min(width - x0, (count * 4 + 1) * scale);
  const boxH = Math.min(height - y0, 7 * scale);
  for (let y = 0; y < boxH; y++) frame.fill(16, (y0 + y) * width + x0, (y0 + y) * width + x0 + boxW);
  for (let c = 0; c < count; c++) {
    const g = GLYPHS[text[c] as number];
    if (g === undefined) continue;
    for (let row = 0; row < 5; row++) {
      const bits = g[row] as number;
      for (let col = 0; col < 3; col++) {
        if (((bits >> (2 - col)) & 1) === 0) continue;
        const px = x0 + (c * 4 + 1 + col) * scale;
        const py = y0 + (row + 1) * scale;
        for (let yy = 0; yy < scale; yy++) {
          const yAt = py + yy;
          if (yAt >= height) break;
          const start = yAt * width + px;
          frame.fill(235, start, Math.min(start + scale, yAt * width + width));
        }
      }
    }
  }
}
