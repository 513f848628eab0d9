import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { CameraSource, type CameraState } from "../cameras/camera-source.ts";
import type { CameraSpec } from "../cameras/commands.ts";
import { CameraSchema, type Config } from "../config/schema.ts";
import type { Clock, Timer } from "../kernel/clock.ts";
import type { CommandLinkClientOptions } from "../links/command/index.ts";
import { VideoLinkClient } from "../links/video/video-link-client.ts";
import { readGauge } from "../observability/metrics.ts";
import { RepeatLimiter } from "../observability/repeat-limiter.ts";
import type { ScenePose } from "../video/scene.ts";
import type { CameraList } from "../video/wire.ts";

/**
 * The vehicle's video: the cameras of `[vehicle.video]` as child-process sources and the video
 * link to the hub (TLS with the command link's credentials, its own connection). Each access
 * unit goes to the link as it comes out of its camera; the camera list (state, settings) goes
 * every second and on every change. The hub's settings requests (the pilot's) restart a camera
 * with the new size, rate or bitrate; its keyframe requests go to the camera. Nothing here can stop the agent: a camera that fails is
 * restarted with backoff and reported, a link that fails redials.
 */
export interface VehicleVideoOptions {
  config: NonNullable<Config["vehicle"]>;
  link: CommandLinkClientOptions;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  /** The simulated camera's viewpoint. */
  pose: () => ScenePose;
  /** The board profile's cameras, used when `[vehicle.video] cameras` is not set. */
  boardCameras?: readonly { name: string; kind: "uvc" | "rpicam"; device: string }[];
  /**
   * The board's camera tilt servo: the camera it carries (by name; unset: the first) and its
   * angle now, degrees up. That camera's view (simulated) and its tilt in the camera list follow it.
   */
  tiltServo?: { camera?: string | undefined; angleDeg(): number };
}

export interface VehicleVideo {
  readonly cameras: readonly CameraSource[];
  readonly link: VideoLinkClient;
  /** The tilt servo moved: the camera list goes to the hub within 200 ms (the HUD follows). */
  tiltMoved(): void;
  stop(): Promise<void>;
}

/** Camera-list tilts are within ±90° (a mount and a servo together may turn further). */
const clampTilt = (deg: number): number => Math.max(-90, Math.min(90, deg));

export function startVehicleVideo(o: VehicleVideoOptions): VehicleVideo | undefined {
  const { config, clock, logger } = o;
  const port = config.hub.video_port;
  // The config's cameras, or the board's (with [vehicle.video]'s default size, rate and bitrate).
  const configured = config.video.cameras ?? (o.boardCameras ?? []).map((c) => CameraSchema.parse(c));
  if (port === undefined || configured.length === 0) return undefined;
  const link = new VideoLinkClient({
    host: config.hub.host,
    port,
    credentials: o.link.credentials,
    hubFingerprint: o.link.hubFingerprint,
    clock,
    maxBufferedBytes: config.video.max_buffered_bytes,
    ...(o.link.backoff === undefined ? {} : { backoff: o.link.backoff }),
  });
  const servo = o.tiltServo;
  const servoIndex =
    servo === undefined ? -1 : servo.camera === undefined ? 0 : configured.findIndex((c) => c.name === servo.camera);
  if (servo?.camera !== undefined && servoIndex < 0)
    logger.warn({ camera: servo.camera }, `the camera tilt servo carries "${servo.camera}", which is not configured`);
  /** The servo's angle for the camera at `index` (0 for the cameras it does not carry). */
  const servoAngle = (index: number): number => (index === servoIndex ? (servo?.angleDeg() ?? 0) : 0);
  const cameras = configured.map((c, index) => {
    const spec: CameraSpec = {
      name: c.name,
      kind: c.kind,
      device: c.device,
      settings: { width: c.width, height: c.height, fps: c.fps, bitrate_kbps: c.bitrate_kbps },
      keyframeIntervalS: c.keyframe_interval_s,
      program: c.program,
      tiltDeg: c.tilt_deg,
    };
    const pose =
      index === servoIndex
        ? () => {
            const p = o.pose();
            p.tilt = servoAngle(index);
            return p;
          }
        : o.pose;
    return new CameraSource({ spec, clock, pose, nice: config.video.nice });
  });
  const list = (): CameraList => ({
    cameras: cameras.map((c, index) => {
      const tilt = (c.spec.tiltDeg ?? 0) + servoAngle(index);
      return {
        index,
        name: c.spec.name,
        kind: c.spec.kind,
        state: c.state === "stopped" ? "starting" : c.state,
        code: c.code,
        settings: c.spec.settings,
        bitrate: c.spec.kind !== "uvc",
        // Only when tilted: hubs that predate the fields keep taking the lists of level cameras.
        ...(tilt === 0 ? {} : { tiltDeg: clampTilt(tilt) }),
        ...(index === servoIndex ? { tiltServo: true } : {}),
      };
    }),
  });
  cameras.forEach((camera, index) => {
    camera.on("frame", (f) => link.sendAccessUnit(index, f.au, f));
    const logState = cameraStateLog(logger, clock, camera.spec.name);
    camera.on("state", (state, code, message) => {
      logState(state, code, message);
      link.sendCameras(list());
    });
  });
  link.on("up", () => {
    logger.info({ port }, "video link up");
    link.sendCameras(list());
  });
  link.on("down", (err, retryInMs) => logger.warn({ code: err.code, retryInMs }, err.message));
  link.on("drop", (err) => logger.debug({ code: err.code }, err.message));
  link.on("settings", (r) => {
    const camera = cameras[r.camera];
    if (camera === undefined) return;
    if (!camera.reconfigure(r.settings)) return; // the same settings again
    logger.info({ camera: camera.spec.name, settings: r.settings }, "camera settings changed by the pilot");
    link.sendCameras(list());
  });
  // The hub (a browser joined or fell behind) or the link itself wants a keyframe: cameras that
  // can make one on demand (the simulated one) do, at most every 250 ms.
  link.on("keyframe", (camera) => cameras[camera]?.requestKeyframe());
  const keepalive: Timer = clock.setInterval(1000, () => link.sendCameras(list()));
  const gauge = (name: string, help: string, read: () => number) => readGauge(o.registry, name, help, read);
  gauge(
    "tethys_vehicle_video_frames_sent",
    "video access units written to the video link",
    () => link.stats.framesSent,
  );
  gauge(
    "tethys_vehicle_video_frames_dropped",
    "video access units dropped (link backpressure, waiting for a keyframe)",
    () => link.stats.framesDropped,
  );
  gauge(
    "tethys_vehicle_video_frames_skipped",
    "simulated frames not rendered because the encoder had not taken the previous ones",
    () => cameras.reduce((n, c) => n + c.framesSkipped, 0),
  );
  gauge("tethys_vehicle_video_frames_out", "access units out of the cameras' programs", () =>
    cameras.reduce((n, c) => n + c.framesOut, 0),
  );
  gauge("tethys_vehicle_video_keyframe_requests", "keyframe requests passed to the cameras' encoders", () =>
    cameras.reduce((n, c) => n + c.keyframeRequests, 0),
  );
  gauge("tethys_vehicle_video_restarts", "camera program restarts", () => cameras.reduce((n, c) => n + c.restarts, 0));
  link.start();
  for (const c of cameras) c.start();
  let tiltSend: Timer | undefined;
  return {
    cameras,
    link,
    tiltMoved: () => {
      tiltSend ??= clock.setTimer(200, () => {
        tiltSend = undefined;
        link.sendCameras(list());
      });
    },
    stop: async () => {
      keepalive.cancel();
      tiltSend?.cancel();
      await Promise.all(cameras.map((c) => c.stop()));
      link.stop();
    },
  };
}

/** The simulated camera's viewpoint from the agent's sensors (unknown values read as level, at the surface). */
export function poseFromSensors(s: {
  heading: number | null;
  pitch: number | null;
  roll: number | null;
  depth: number | null;
}): ScenePose {
  return { heading: s.heading ?? 0, pitch: s.pitch ?? 0, roll: s.roll ?? 0, depth: s.depth ?? 0 };
}

/**
 * How one camera's state changes are logged. A camera that is missing or keeps failing is retried
 * every ≤ 10 s for as long as the vehicle runs: its warning is logged once, then summarised at most
 * once a minute ("… (repeated N times in S s)"), and going live ends the run of warnings. The
 * camera list the cockpit shows carries every state change.
 */
export function cameraStateLog(
  logger: Pick<Logger, "info" | "warn">,
  clock: Pick<Clock, "now">,
  name: string,
): (state: CameraState, code: string, message: string) => void {
  const warnings = new RepeatLimiter(logger, { intervalMs: 60_000, now: () => clock.now() });
  return (state, code, message) => {
    if (state === "live" || state === "starting" || state === "stopped") {
      if (state === "live") warnings.clearAll();
      logger.info({ camera: name, state, code }, `camera ${name}: ${message}`);
    } else warnings.warn(code, `camera ${name}: ${message}`);
  };
}
