/**
 * How long a viewer that needs a keyframe waits for one — a browser that joins with nothing
 * cached on the hub, falls behind, or sits behind a lossy tether — with and without a keyframe
 * request, from the simulated camera (render worker + ffmpeg, as `tethys sim` runs it). Each
 * sample waits a random time within the group of pictures, then measures from that moment to
 * the next keyframe out of the encoder: "natural" waits for the group to end, "requested"
 * asks for a keyframe at that moment (render-worker.ts: the standby encoder). Samples of the
 * two kinds alternate, so both see the same load.
 *
 *   node bench/video-keyframe.ts [samples=20] [keyframe_interval_s=1] [width=640] [height=360]
 */
import { loadavg } from "node:os";
import { CameraSource } from "../src/cameras/camera-source.ts";
import { RealClock } from "../src/kernel/real-clock.ts";
import { ms, percentile } from "./latency-lib/stats.ts";

const samples = Number(process.argv[2] ?? 20);
const gopS = Number(process.argv[3] ?? 1);
const width = Number(process.argv[4] ?? 640);
const height = Number(process.argv[5] ?? 360);
const clock = new RealClock();
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
console.log(`load average at start: ${load()}; ${width}×${height} 30 fps, a keyframe every ${gopS} s on its own`);

const source = new CameraSource({
  spec: {
    name: "front",
    kind: "sim",
    device: "",
    settings: { width, height, fps: 30, bitrate_kbps: 1500 },
    keyframeIntervalS: gopS,
  },
  clock,
  minKeyframeGapMs: 0,
});
let onKeyframe: (() => void) | undefined;
source.on("frame", (f) => {
  if (f.keyframe) onKeyframe?.();
});
const live = new Promise<void>((resolve) => source.on("state", (s) => s === "live" && resolve()));
source.start();
await live;
await clock.sleep(1500);

const natural: number[] = [];
const requested: number[] = [];
for (let i = 0; i < 2 * samples; i++) {
  await clock.sleep(Math.random() * gopS * 1000);
  const ask = i % 2 === 1;
  const t0 = performance.now();
  const next = new Promise<void>((resolve) => {
    onKeyframe = resolve;
  });
  if (ask) source.requestKeyframe();
  await next;
  onKeyframe = undefined;
  (ask ? requested : natural).push(performance.now() - t0);
}
await source.stop();
const line = (label: string, v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return `${label}: ${s.length} samples, p50 ${ms(percentile(s, 50), 1)} ms  p99 ${ms(percentile(s, 99), 1)} ms  max ${ms(s[s.length - 1] ?? Number.NaN, 1)} ms`;
};
console.log(line("  wait for the next keyframe, natural  ", natural));
console.log(line("  wait for the next keyframe, requested", requested));
console.log(`load average at end: ${load()}`);
console.log(
  JSON.stringify({
    bench: "video-keyframe",
    gopS,
    naturalP50Ms: percentile(natural, 50),
    naturalP99Ms: percentile(natural, 99),
    requestedP50Ms: percentile(requested, 50),
    requestedP99Ms: percentile(requested, 99),
  }),
);
