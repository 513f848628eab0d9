import { type CameraSettings, sameSettings } from "../../video/wire.ts";

/** Quality presets the pilot can pick (camera settings sent to the vehicle). */
export const VIDEO_PRESETS: readonly { label: string; settings: CameraSettings }[] = [
  { label: "360p30 · 1.5 Mb/s", settings: { width: 640, height: 360, fps: 30, bitrate_kbps: 1500 } },
  { label: "720p30 · 3 Mb/s", settings: { width: 1280, height: 720, fps: 30, bitrate_kbps: 3000 } },
  { label: "1080p30 · 6 Mb/s", settings: { width: 1920, height: 1080, fps: 30, bitrate_kbps: 6000 } },
  { label: "360p15 · 0.5 Mb/s (weak tether)", settings: { width: 640, height: 360, fps: 15, bitrate_kbps: 500 } },
];

/** The preset with exactly these settings (-1: none), and how other settings are shown. */
export function presetOf(s: CameraSettings): number {
  return VIDEO_PRESETS.findIndex((p) => sameSettings(p.settings, s));
}

export function settingsLabel(s: CameraSettings): string {
  return `${s.width}×${s.height} ${s.fps} fps · ${(s.bitrate_kbps / 1000).toFixed(1)} Mb/s`;
}
