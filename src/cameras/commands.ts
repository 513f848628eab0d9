import type { CameraSettings } from "../video/wire.ts";

/**
 * The programs behind each kind of camera, as argument lists (no shell). Every one writes H.264
 * to stdout: ffmpeg as FLV (its tags give each frame's end, `src/video/flv.ts`), rpicam-vid as a
 * raw Annex B stream with the SPS/PPS repeated at each keyframe (`--inline`).
 */
export type CameraKind = "uvc" | "rpicam" | "sim";

export interface CameraSpec {
  name: string;
  kind: CameraKind;
  /** V4L2 device (uvc), camera number (rpicam); unused for sim. */
  device: string;
  settings: CameraSettings;
  keyframeIntervalS: number;
  /** Program to run instead of the default (`ffmpeg`, `rpicam-vid`): a path, or a name on PATH. */
  program?: string | undefined;
  /** The simulated camera's tilt on the vehicle, degrees, up positive (sim only). */
  tiltDeg?: number | undefined;
}

export interface CameraCommand {
  program: string;
  args: string[];
  /** How stdout is framed. */
  output: "flv" | "annexb";
  /** Raw I420 frames go to stdin (the simulated camera). */
  rawInput: boolean;
}

const FFMPEG_OUT = ["-flush_packets", "1", "-f", "flv", "-"];

export function cameraCommand(c: CameraSpec): CameraCommand {
  const s = c.settings;
  const gop = String(Math.max(1, Math.round(c.keyframeIntervalS * s.fps)));
  switch (c.kind) {
    case "uvc":
      // The camera encodes; ffmpeg only repackages (-c:v copy): nothing is transcoded on the board.
      return {
        program: c.program ?? "ffmpeg",
        args: [
          ...["-hide_banner", "-loglevel", "error", "-nostdin", "-fflags", "nobuffer"],
          ...["-f", "v4l2", "-input_format", "h264", "-video_size", `${s.width}x${s.height}`],
          ...["-framerate", String(s.fps), "-i", c.device, "-c:v", "copy", ...FFMPEG_OUT],
        ],
        output: "flv",
        rawInput: false,
      };
    case "rpicam":
      return {
        program: c.program ?? "rpicam-vid",
        args: [
          ...["-t", "0", "-n", "--inline", "--flush", "--codec", "h264", "--profile", "baseline"],
          ...["--camera", c.device, "--width", String(s.width), "--height", String(s.height)],
          ...["--framerate", String(s.fps), "--bitrate", String(s.bitrate_kbps * 1000), "--intra", gop, "-o", "-"],
        ],
        output: "annexb",
        rawInput: false,
      };
    case "sim":
      return {
        program: c.program ?? "ffmpeg",
        args: [
          ...["-hide_banner", "-loglevel", "error", "-fflags", "nobuffer", "-probesize", "32"],
          ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", `${s.width}x${s.height}`],
          ...["-framerate", String(s.fps), "-i", "-", "-fps_mode", "passthrough"],
          ...["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline"],
          ...["-threads", "1", "-g", gop, "-b:v", `${s.bitrate_kbps}k`, "-maxrate", `${s.bitrate_kbps}k`],
          ...["-bufsize", `${Math.round(s.bitrate_kbps / 2)}k`, ...FFMPEG_OUT],
        ],
        output: "flv",
        rawInput: true,
      };
  }
}
