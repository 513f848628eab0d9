import { z } from "zod";
import { VehicleControlSchema } from "../control/schema.ts";

/**
 * The one configuration schema. A file holds the sections of the roles it configures:
 * `[vehicle]` for `tethys vehicle`, `[topside]` for `tethys topside`, `[sim]` for the simulator,
 * plus the shared `[log]` and `[metrics]`. Keys are snake_case; every key has a default, so an
 * empty section is valid. Unknown keys are errors (a typo must not silently fall back to a
 * default). docs/config.md describes every key.
 */

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected "host:port", e.g. "127.0.0.1:9101" or "[::1]:9101"')
  .refine((s) => Number(s.slice(s.lastIndexOf(":") + 1)) <= 65535, "port must be 0..65535");

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64. */
const secretHash = z
  .string()
  .regex(
    /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/,
    'expected "scrypt$N$r$p$salt$hash" (make one with tethys keys hash-secret)',
  );
const port = z.number().int().min(0).max(65535);
const positiveHz = (max: number) => z.number().positive().max(max);

export const LogSchema = z.strictObject({
  /** Default level for every component. */
  level: z.enum(LEVELS).default("info"),
  /** Per-component level overrides, e.g. `components = { dtls = "debug" }`. */
  components: z
    .record(z.string().regex(/^[a-z][a-z0-9-]*$/, "component names are lower-case words"), z.enum(LEVELS))
    .default({}),
  /** Bearer token (≥ 16 characters) that lets `tethys logs` stream this process's log from the metrics listener; unset: off. */
  stream_token: z.string().min(16, "a log stream token needs at least 16 characters").optional(),
});

export const MetricsSchema = z.strictObject({
  /** Serve Prometheus `/metrics` and `/health` here; empty string disables the endpoint. */
  listen: z.union([hostPort, z.literal("")]).default("127.0.0.1:0"),
});

/** A SHA-256 certificate fingerprint as `tethys keys` prints it ("AB:CD:…"; colons optional). */
const fingerprint = z
  .string()
  .regex(
    /^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/,
    'expected a SHA-256 fingerprint, 64 hex digits, e.g. "AB:CD:…" as printed by tethys keys',
  );
/** A file path; relative paths are resolved against the config file's directory. */
const filePath = z.string().min(1);
const vehicleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "expected 1–32 lower-case letters, digits or dashes");

/** Command-link timing and limits, the same keys on both ends (docs/command-link.md). */
const linkTuning = {
  /** Vehicle: heartbeat period; both ends: how often liveness is checked. */
  heartbeat_ms: z.number().positive().max(60_000).default(250),
  /** Nothing from the peer for this long → link down. */
  timeout_ms: z.number().positive().max(600_000).default(1500),
  /** Oldest command accepted (beyond the clock-skew tolerance). */
  max_command_age_ms: z.number().min(0).max(600_000).default(500),
  /** Tolerated clock difference between vehicle and hub. */
  clock_skew_ms: z.number().min(0).max(600_000).default(250),
  /** Incoming frames per second per connection before frames are dropped. */
  max_frame_rate: z.number().positive().max(100_000).default(200),
};
const timeoutAboveHeartbeat = (l: { heartbeat_ms: number; timeout_ms: number }, ctx: z.RefinementCtx): void => {
  if (l.timeout_ms <= l.heartbeat_ms)
    ctx.addIssue({ code: "custom", path: ["timeout_ms"], message: `must exceed heartbeat_ms (${l.heartbeat_ms})` });
};

/** One camera of `[vehicle.video]` (docs/video.md). */
export const CameraSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "expected 1–32 lower-case letters, digits or dashes"),
  /** "uvc" (a V4L2 camera that encodes H.264), "rpicam" (rpicam-vid), "sim" (the simulated camera). */
  kind: z.enum(["uvc", "rpicam", "sim"]),
  /** V4L2 device (uvc) or camera number (rpicam). */
  device: z.string().min(1).max(256).default("/dev/video0"),
  width: z.number().int().min(64).max(3840).multipleOf(2).default(1280),
  height: z.number().int().min(64).max(2160).multipleOf(2).default(720),
  fps: z.number().int().min(1).max(60).default(30),
  bitrate_kbps: z.number().int().min(100).max(50_000).default(2000),
  keyframe_interval_s: z.number().min(0.1).max(10).default(1),
  /** The program to run instead of ffmpeg / rpicam-vid (a path or a name on PATH). */
  program: z.string().min(1).max(4096).optional(),
  /**
   * The camera's tilt on the vehicle, degrees, up positive (−90 looks straight down): the
   * simulated camera renders with it, and the cockpit's HUD places the horizon by it.
   */
  tilt_deg: z.number().min(-90).max(90).default(0),
});

export const VehicleSchema = z.strictObject({
  /** The vehicle's identity: its DTLS PSK identity and certificate name. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "expected 1–32 lower-case letters, digits or dashes")
    .default("rov1"),
  /** Control loop rate. */
  loop_hz: positiveHz(1000).default(50),
  /** Frame, thrust, modes, gains and failsafes: src/control/schema.ts, docs/control.md. */
  control: VehicleControlSchema.prefault({}),
  /** Telemetry rate over DTLS (must not exceed the loop rate). */
  telemetry_hz: positiveHz(200).default(10),
  /** Seconds of telemetry the black box keeps for the hub to fetch after a link outage (docs/dive-log.md); 0: none. */
  black_box_s: z.number().min(0).max(3600).default(120),
  /** Board profile name (hardware/boards: rpi-pca9685, rpi-serial-mcu, bbb-serial-mcu). */
  board: z.string().min(1).default("rpi-pca9685"),
  /** A board profile in a TOML file (relative to this config), used instead of `board`. */
  board_file: z.string().min(1).max(4096).optional(),
  /** Where the board's buses are: the Linux devices, or the simulator's bus socket. */
  backend: z.enum(["linux", "sim"]).default("linux"),
  /** The simulator's bus socket when backend = "sim": "tcp:HOST:PORT" or "unix:PATH". */
  sim_bus: z
    .string()
    .regex(/^(tcp:([A-Za-z0-9.-]+:)?\d{1,5}|unix:.+)$/, 'expected "tcp:HOST:PORT", "tcp:PORT" or "unix:PATH"')
    .default("tcp:127.0.0.1:7800"),
  /** Overrides the board profile's serial motor controller port (e.g. the simulator's pty). */
  serial_port: z.string().min(1).max(4096).optional(),
  /** The agent's state file (depth zero, thruster settings; relative to this file); absent: kept in memory only. */
  state_file: z.string().min(1).max(4096).optional(),
  hub: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      command_port: port.default(7700),
      telemetry_port: port.default(7701),
      /** The hub's video port (TLS, docs/video.md); unset: no video link. */
      video_port: port.optional(),
    })
    .prefault({}),
  /** Cameras and the video link's backpressure (docs/video.md). */
  video: z
    .strictObject({
      /** Unset: the board profile's cameras (on real hardware); `[]`: none. */
      cameras: z.array(CameraSchema).max(8).optional(),
      /** Unsent bytes on the video link above which a camera drops to its next keyframe. */
      max_buffered_bytes: z.number().int().min(65_536).max(67_108_864).default(524_288),
      /**
       * Niceness of the camera programs and the simulated camera's render thread (0 = the
       * agent's own): on a busy board video yields the CPU to the control path.
       */
      nice: z.number().int().min(0).max(19).default(10),
    })
    .superRefine((v, ctx) => {
      const names = new Set<string>();
      (v.cameras ?? []).forEach((c, i) => {
        if (names.has(c.name))
          ctx.addIssue({ code: "custom", path: ["cameras", i, "name"], message: `camera name "${c.name}" used twice` });
        names.add(c.name);
      });
    })
    .prefault({}),
  /** Command link to the hub and the key files from `tethys keys` (vehicle.snippet.toml). */
  link: z
    .strictObject({
      ca: filePath.optional(),
      cert: filePath.optional(),
      key: filePath.optional(),
      hub_fingerprint: fingerprint.optional(),
      /** DTLS telemetry PSK file (hex); identity = vehicle.id. */
      psk: filePath.optional(),
      ...linkTuning,
      backoff_initial_ms: z.number().positive().max(60_000).default(250),
      backoff_max_ms: z.number().positive().max(600_000).default(10_000),
    })
    .superRefine(timeoutAboveHeartbeat)
    .prefault({}),
});

export const TopsideSchema = z.strictObject({
  /** Address the hub listens on for vehicles (TLS commands, DTLS telemetry) and browsers. */
  host: z.string().min(1).default("127.0.0.1"),
  http_port: port.default(8080),
  /** Also serve the cockpit over HTTPS on this port, with [topside.tls]'s certificate (gamepads need a secure context off localhost). */
  https_port: port.optional(),
  command_port: port.default(7700),
  telemetry_port: port.default(7701),
  /** Vehicles' video links (TLS, docs/video.md); unset: the hub relays no video. */
  video_port: port.optional(),
  /** Directory served over HTTP as the cockpit bundle; empty: no static files. */
  static_dir: z.string().default(""),
  auth: z
    .strictObject({
      /** scrypt hashes of the secrets that grant pilot access (`tethys keys hash-secret`). */
      pilot_hashes: z.array(secretHash).default([]),
      /** scrypt hashes of the secrets that grant observer (read-only) access. */
      observer_hashes: z.array(secretHash).default([]),
      /** Let browsers observe without a secret (`auth` with an empty secret). */
      anonymous_observers: z.boolean().default(false),
      /** `sha256:<hex>` of a one-time sign-in code (`tethys sim` sets it): redeemed once, from loopback, at POST /login. */
      login_link_hash: z
        .string()
        .regex(/^sha256:[0-9a-f]{64}$/, "expected sha256:<64 hex digits>")
        .optional(),
      /** Failed sign-ins (attempts being checked included) from one address before it is locked. */
      max_failures: z.number().int().min(1).max(1000).default(5),
      /** Window the failures are counted in, ms. */
      failure_window_ms: z.number().int().min(1000).max(3_600_000).default(60_000),
      /** How long a locked address is refused without checking its secret, ms. */
      lock_ms: z.number().int().min(1000).max(3_600_000).default(60_000),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Largest WebSocket message accepted from a browser (larger: connection closed, 1009). */
      max_message_bytes: z.number().int().min(256).max(65536).default(2048),
      /** Sustained messages per second from one browser (token bucket; burst = half a second). */
      messages_per_second: z.number().positive().max(10000).default(100),
      /** Unsent bytes per browser above which telemetry is skipped until it drains. */
      send_buffer_bytes: z.number().int().min(1024).max(16_777_216).default(262_144),
      /** Most browsers connected at once. */
      max_browsers: z.number().int().min(1).max(10000).default(500),
      /** Browser slots only a pilot secret may take: observers and anonymous connections never fill them. */
      pilot_reserve: z.number().int().min(0).max(100).default(8),
      /** Plain HTTP requests one socket may have unanswered (pipelined); one more refuses the socket (held unread, then closed). */
      max_requests_per_socket: z.number().int().min(1).max(1000).default(8),
    })
    .prefault({}),
  /** Who may read the hub's `/metrics`: "loopback" (and token bearers), "token" (bearers only) or "open". */
  metrics_access: z.enum(["loopback", "token", "open"]).default("loopback"),
  /** Bearer token that opens `/metrics` from anywhere (`Authorization: Bearer …`); unset: none. */
  metrics_token: z.string().min(16, "a metrics token needs at least 16 characters").optional(),
  /** The hub's certificate (command link and HTTPS) from `tethys keys` (topside.snippet.toml). */
  tls: z.strictObject({ ca: filePath, cert: filePath, key: filePath }).optional(),
  /** Command-link timing and limits on the hub's side. */
  link: z
    .strictObject({
      ...linkTuning,
      /** Vehicle connections not yet authenticated, at most; a newer one closes the oldest. */
      max_pending: z.number().int().min(1).max(1024).default(32),
      /** The same, from one address. */
      max_pending_per_address: z.number().int().min(1).max(1024).default(8),
    })
    .superRefine(timeoutAboveHeartbeat)
    .prefault({}),
  /** Record every dive (arm → disarm, with margins) to MCAP files (docs/dive-log.md). */
  dive_log: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Directory of the logs (relative to the config file), one sub-directory per vehicle. */
      dir: z.string().min(1).default("dive-logs"),
      /** Seconds recorded before arming and after disarming. */
      pre_margin_s: z.number().min(0).max(600).default(10),
      post_margin_s: z.number().min(0).max(3600).default(10),
      /** A file is closed and the dive continues in the next one past this size or age. */
      rotate_mb: z.number().min(1).max(65536).default(256),
      rotate_minutes: z.number().min(1).max(1440).default(60),
      /** Recording stops (alarm DIVELOG_DISK_FULL) when less is free on the log's disk. */
      min_free_mb: z.number().min(0).max(1_048_576).default(256),
      /** Bytes not yet written above which records are dropped (alarm DIVELOG_BEHIND). */
      max_pending_mb: z.number().min(1).max(1024).default(8),
      compression: z.enum(["zstd", "none"]).default("zstd"),
      /** fdatasync each chunk (every half second): a power cut loses at most the last second. */
      sync: z.boolean().default(true),
    })
    .prefault({}),
  /** Vehicles the hub accepts, by id: the pinned certificate fingerprint and the DTLS PSK file. */
  vehicles: z.record(vehicleId, z.strictObject({ fingerprint, psk: filePath.optional() })).default({}),
});

const fleetSegment = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "expected 1–32 lower-case letters, digits or dashes (an MQTT topic segment)");

/** The hub's fleet bridge to an MQTT broker (docs/fleet.md). Only `tethys topside` reads it. */
export const FleetSchema = z
  .strictObject({
    /** The broker: "mqtt://host:port" or "mqtts://host:port" (TLS, with `ca` pinned). */
    broker: z
      .string()
      .regex(
        /^mqtts?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
        'expected "mqtt://host:port" or "mqtts://host:port"',
      ),
    /** This hub's site: the second segment of every topic (tethys/v1/<site>/<vehicle>/…). */
    site: fleetSegment.default("site"),
    /** This hub's name in status payloads. */
    hub: z.string().min(1).max(64).default("hub"),
    /** MQTT version: 5 first with a fall back to 3.1.1 ("auto"), or only one. */
    protocol: z.enum(["auto", "5", "3.1.1"]).default("auto"),
    /** The only CA trusted for the broker's certificate (PEM); required with mqtts://. */
    ca: filePath.optional(),
    /** Client certificate and key (PEM), for brokers that authenticate by certificate. */
    cert: filePath.optional(),
    key: filePath.optional(),
    /** Username and a file holding the password (first line), for every vehicle's session. */
    username: z.string().min(1).max(256).optional(),
    password_file: filePath.optional(),
    /** MQTT keepalive; the broker publishes the Last Will (offline) after 1.5× this. */
    keepalive_s: z.number().int().min(2).max(3600).default(30),
    connect_timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
    /** Period of the summary telemetry (QoS 0). */
    telemetry_period_s: z.number().min(0.1).max(3600).default(5),
    /** MQTT 5 message expiry of the summary telemetry. */
    telemetry_expiry_s: z.number().int().min(1).max(86_400).default(30),
    /** Events and alarms kept per vehicle while the broker is unreachable; beyond it the oldest are dropped. */
    queue_limit: z.number().int().min(1).max(100_000).default(1000),
    /** Unsent bytes per session above which publishing waits (telemetry is skipped, events stay queued). */
    max_backlog_bytes: z.number().int().min(1024).max(67_108_864).default(1_048_576),
    backoff_initial_ms: z.number().positive().max(60_000).default(500),
    backoff_max_ms: z.number().positive().max(600_000).default(30_000),
    /** Per-vehicle credentials (each vehicle has its own session, Last Will and ACL subtree). */
    vehicles: z
      .record(
        vehicleId,
        z.strictObject({
          username: z.string().min(1).max(256).optional(),
          password_file: filePath.optional(),
          cert: filePath.optional(),
          key: filePath.optional(),
        }),
      )
      .default({}),
  })
  .superRefine((f, ctx) => {
    if (f.broker.startsWith("mqtts:") && f.ca === undefined)
      ctx.addIssue({ code: "custom", path: ["ca"], message: "mqtts:// needs the broker's CA pinned (ca = FILE)" });
    if (!f.broker.startsWith("mqtts:") && (f.ca !== undefined || f.cert !== undefined))
      ctx.addIssue({ code: "custom", path: ["broker"], message: "ca and cert need an mqtts:// broker" });
    if ((f.cert === undefined) !== (f.key === undefined))
      ctx.addIssue({ code: "custom", path: ["cert"], message: "cert and key go together" });
    for (const [id, v] of Object.entries(f.vehicles))
      if ((v.cert === undefined) !== (v.key === undefined))
        ctx.addIssue({ code: "custom", path: ["vehicles", id, "cert"], message: "cert and key go together" });
    if (f.backoff_max_ms < f.backoff_initial_ms)
      ctx.addIssue({ code: "custom", path: ["backoff_max_ms"], message: "must be ≥ backoff_initial_ms" });
  });

export const SimSchema = z.strictObject({
  /** Seed of every random process in the world (noise, faults, tether impairment). */
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /** Water the vehicle is in: density 997 (fresh) or 1029 (sea) kg/m³. */
  water: z.enum(["fresh", "sea"]).default("fresh"),
});

export const ConfigSchema = z
  .strictObject({
    log: LogSchema.prefault({}),
    metrics: MetricsSchema.prefault({}),
    vehicle: VehicleSchema.optional(),
    topside: TopsideSchema.optional(),
    sim: SimSchema.optional(),
    fleet: FleetSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.vehicle && c.vehicle.loop_hz > 0 && c.vehicle.telemetry_hz > c.vehicle.loop_hz) {
      ctx.addIssue({
        code: "custom",
        path: ["vehicle", "telemetry_hz"],
        message: `must not exceed vehicle.loop_hz (${c.vehicle.loop_hz})`,
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;
export type Role = "vehicle" | "topside" | "sim";
export const ROLES: readonly Role[] = ["vehicle", "topside", "sim"];
