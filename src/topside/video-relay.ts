import { Counter, Gauge, type Registry } from "prom-client";
import type { Clock } from "../kernel/clock.ts";
import { errorCode } from "../kernel/errors.ts";
import type { VideoLinkServer, VideoVehicleConnection } from "../links/video/video-link-server.ts";
import type { Logger } from "../observability/logger.ts";
import { VideoCodes } from "../video/codes.ts";
import { GopCache } from "../video/gop-cache.ts";
import { ViewerGate } from "../video/viewer-gate.ts";
import {
  type AuHeader,
  type CameraList,
  decodeControl,
  encodeControl,
  FLAG_KEYFRAME,
  KIND_ACK,
  KIND_CAMERAS,
  KIND_KEYFRAME,
  KIND_SETTINGS,
  KIND_WATCH,
  readAck,
  readKeyframeRequest,
  SettingsRequestSchema,
  stampHub,
  videoKind,
  WatchSchema,
} from "../video/wire.ts";
import { HubCodes } from "./errors.ts";
import { type Pumpable, PumpScheduler } from "./pump-scheduler.ts";

/**
 * The hub's video relay: access units from each vehicle's video link go out to the browsers
 * watching that camera, as binary WebSocket messages on the session's socket — the same bytes
 * for every watcher, with the hub's receive time stamped in. Per browser a ViewerGate drops to
 * the next keyframe when what the browser has not taken would pass `viewerBufferBytes` (never a
 * queue; see `behind`); per camera the last group of pictures is cached, so a browser that starts watching
 * decodes a picture at once. Browsers ask with `watch` (any role attached to the vehicle);
 * only the vehicle's pilot may change a camera's settings.
 *
 * Writes are paced: what the gate passes waits in the watcher's own short queue (counted as
 * behind) and goes out in turns of at most `turnBytes` across all watchers (PumpScheduler), so
 * a keyframe to twenty browsers is not one long burst a pilot's command would wait behind.
 *
 * Keyframes on request: when a browser waits for a keyframe and could take one now (it
 * started watching with nothing cached, or it fell behind and has caught up, or its decoder
 * asked), the hub asks the vehicle for one — at most one request per camera per
 * `keyframeRequestGapMs`, so many browsers cost the encoder no more than one.
 */
export interface VideoViewer {
  readonly id: number;
  /** The browser's unsent bytes (the WebSocket's buffer). */
  readonly videoBuffered: number;
  sendVideo(frame: Uint8Array): void;
  refuse(code: string, text: string, ref: number): void;
}

export interface VideoRelayOptions {
  clock: Clock;
  logger: Logger;
  registry: Registry;
  /** Unsent bytes per browser above which video drops to the next keyframe (default 192 KiB). */
  viewerBufferBytes?: number;
  /** Bounds of each camera's cached group of pictures (default 4 MiB, 300 frames). */
  gopBytes?: number;
  gopFrames?: number;
  /** Least time between two keyframe requests for one camera (default 500 ms). */
  keyframeRequestGapMs?: number;
  /** Video bytes written to browsers per event-loop turn, across watchers (default 128 KiB). */
  turnBytes?: number;
}

/** Video bytes sent to one browser over its connection, and what it acknowledged. */
interface ByteCount {
  sent: number;
  acked: number;
  /** The browser acknowledges (the cockpit does; a bare client may not). */
  acking: boolean;
  /** Unacknowledged sends: end offset and time, pairs, oldest first (bounded). */
  unacked: number[];
}

interface Watcher extends Pumpable {
  viewer: VideoViewer;
  vehicle: string;
  camera: number;
  gate: ViewerGate;
  count: ByteCount;
  /** Passed by the gate, not yet written (bounded by the gate: they count as behind). */
  queue: Uint8Array[];
  queuedBytes: number;
}

/** A browser whose oldest unacknowledged video is older than this is behind. */
const MAX_LAG_MS = 500;

interface VehicleVideo {
  conn: VideoVehicleConnection | undefined;
  cameras: CameraList;
  camerasMessage: Uint8Array;
  caches: Map<number, GopCache<Uint8Array>>;
  /** When a keyframe was last asked for, per camera (clock ms). */
  keyframeAsked: Map<number, number>;
}

const NO_CAMERAS: CameraList = { cameras: [] };

export class VideoRelay {
  private readonly o: VideoRelayOptions;
  private readonly vehicles = new Map<string, VehicleVideo>();
  private readonly watchers = new Map<number, Watcher>();
  /** Per session, for as long as its connection lives (the browser counts per connection). */
  private readonly counts = new Map<number, ByteCount>();
  private readonly frames: Counter<"result">;
  private readonly bytes: Counter<"dir">;
  private readonly keyframeRequests: Counter;
  private readonly pacer: PumpScheduler;

  constructor(o: VideoRelayOptions) {
    this.o = o;
    this.pacer = new PumpScheduler(o.turnBytes ?? 128 * 1024);
    this.frames = new Counter({
      name: "tethys_hub_video_frames_total",
      help: "video access units: received from vehicles, sent to browsers, dropped for a slow browser (result)",
      labelNames: ["result"],
      registers: [o.registry],
    });
    this.bytes = new Counter({
      name: "tethys_hub_video_bytes_total",
      help: "video bytes received from vehicles (in) and sent to browsers (out)",
      labelNames: ["dir"],
      registers: [o.registry],
    });
    this.keyframeRequests = new Counter({
      name: "tethys_hub_video_keyframe_requests_total",
      help: "keyframe requests sent to vehicles (at most one per camera per keyframe_request_gap)",
      registers: [o.registry],
    });
    const watchers = this.watchers;
    new Gauge({
      name: "tethys_hub_video_watchers",
      help: "browsers watching a camera",
      registers: [o.registry],
      collect() {
        this.set(watchers.size);
      },
    });
  }

  /** Takes vehicles' video connections from the video link server. */
  attach(server: VideoLinkServer): void {
    server.on("connection", (conn) => this.connected(conn));
    server.on("rejected", (err) => this.o.logger.warn({ code: err.code }, err.message));
  }

  /** Watchers now (tests, benchmarks). */
  get watching(): number {
    return this.watchers.size;
  }

  /** Watchers with video queued for their turn. */
  get pendingWrites(): number {
    return this.pacer.pending;
  }

  /**
   * A video message from a browser: `watch` (attached sessions) or `settings` (the pilot).
   * `role` is the session's role now; refusals go back as `error` messages with a code.
   */
  message(viewer: VideoViewer, data: Uint8Array, role: { vehicle: string | undefined; pilot: boolean }): void {
    try {
      const kind = videoKind(data);
      if (kind === KIND_ACK) {
        const c = this.counts.get(viewer.id);
        if (c !== undefined) this.acknowledged(c, readAck(data));
      } else if (kind === KIND_WATCH) {
        const w = decodeControl(data, KIND_WATCH, WatchSchema);
        if (w.camera < 0) {
          this.leave(viewer.id);
          return;
        }
        if (role.vehicle !== w.vehicle) {
          viewer.refuse(HubCodes.NOT_ATTACHED, `attach to ${w.vehicle} before watching its video`, 0);
          return;
        }
        this.watch(viewer, w.vehicle, w.camera);
      } else if (kind === KIND_KEYFRAME) {
        const camera = readKeyframeRequest(data);
        const w = this.watchers.get(viewer.id);
        if (w === undefined || w.camera !== camera) {
          viewer.refuse(VideoCodes.UNKNOWN_CAMERA, `not watching camera ${camera}`, 0);
          return;
        }
        this.askKeyframe(w.vehicle, camera);
      } else if (kind === KIND_SETTINGS) {
        const r = decodeControl(data, KIND_SETTINGS, SettingsRequestSchema);
        if (role.vehicle !== r.vehicle || !role.pilot) {
          viewer.refuse(VideoCodes.NOT_PILOT, `only the pilot of ${r.vehicle} can change its cameras`, 0);
          return;
        }
        const v = this.vehicles.get(r.vehicle);
        if (v?.conn === undefined) {
          viewer.refuse(HubCodes.VEHICLE_OFFLINE, `vehicle ${r.vehicle} has no video link`, 0);
          return;
        }
        if (!v.cameras.cameras.some((c) => c.index === r.camera)) {
          viewer.refuse(VideoCodes.UNKNOWN_CAMERA, `vehicle ${r.vehicle} has no camera ${r.camera}`, 0);
          return;
        }
        v.conn.sendSettings(r);
        this.o.logger.info({ vehicle: r.vehicle, camera: r.camera, settings: r.settings }, "camera settings asked");
      } else {
        viewer.refuse(VideoCodes.BAD_FRAME, `browsers may not send video messages of kind ${kind}`, 0);
      }
    } catch (err) {
      viewer.refuse(errorCode(err), (err as Error).message, 0);
    }
  }

  /**
   * A session attached to `vehicle`: it gets the vehicle's camera list, which also tells the
   * page that this hub relays video (a page never sends video messages to a hub that does not).
   */
  attached(viewer: VideoViewer, vehicle: string): void {
    this.sendCounted(viewer, this.countOf(viewer.id), this.vehicle(vehicle).camerasMessage);
  }

  /** The session stopped watching (detached, or asked to stop): what it had not been sent goes. */
  leave(sessionId: number): void {
    const w = this.watchers.get(sessionId);
    if (w === undefined) return;
    this.pacer.cancel(w);
    this.watchers.delete(sessionId);
  }

  /** The session's connection closed. */
  closed(sessionId: number): void {
    this.leave(sessionId);
    this.counts.delete(sessionId);
  }

  close(): void {
    for (const w of this.watchers.values()) this.pacer.cancel(w);
    this.watchers.clear();
    this.counts.clear();
    for (const v of this.vehicles.values()) v.conn?.close();
  }

  private vehicle(id: string): VehicleVideo {
    let v = this.vehicles.get(id);
    if (v === undefined) {
      v = {
        conn: undefined,
        cameras: NO_CAMERAS,
        camerasMessage: encodeControl(KIND_CAMERAS, NO_CAMERAS),
        caches: new Map(),
        keyframeAsked: new Map(),
      };
      this.vehicles.set(id, v);
    }
    return v;
  }

  private watch(viewer: VideoViewer, vehicle: string, camera: number): void {
    this.leave(viewer.id); // a new watch starts over: nothing of the old camera is still sent
    const w: Watcher = {
      viewer,
      vehicle,
      camera,
      gate: new ViewerGate(this.o.viewerBufferBytes ?? 192 * 1024),
      count: this.countOf(viewer.id),
      queue: [],
      queuedBytes: 0,
      pump: () => this.flush(w),
    };
    this.watchers.set(viewer.id, w);
    const v = this.vehicle(vehicle);
    this.send(w, v.camerasMessage);
    // The cached group: a picture at once, decoded up to the present; nothing cached: ask.
    const group = v.caches.get(camera)?.group ?? [];
    for (const msg of group) this.offer(w, msg, ((msg[3] as number) & FLAG_KEYFRAME) !== 0);
    if (group.length === 0) this.askKeyframe(vehicle, camera);
  }

  /** Asks the vehicle for a keyframe of `camera`, unless one was asked for too recently. */
  private askKeyframe(vehicle: string, camera: number): void {
    const v = this.vehicles.get(vehicle);
    if (v?.conn === undefined) return;
    const now = this.o.clock.now();
    if (now - (v.keyframeAsked.get(camera) ?? Number.NEGATIVE_INFINITY) < (this.o.keyframeRequestGapMs ?? 500)) return;
    v.keyframeAsked.set(camera, now);
    v.conn.requestKeyframe(camera);
    this.keyframeRequests.inc();
  }

  private countOf(sessionId: number): ByteCount {
    let count = this.counts.get(sessionId);
    if (count === undefined) {
      count = { sent: 0, acked: 0, acking: false, unacked: [] };
      this.counts.set(sessionId, count);
    }
    return count;
  }

  /** Queues a message for the watcher, written in its turn (keeps its order with video). */
  private send(w: Watcher, msg: Uint8Array): void {
    w.queue.push(msg);
    w.queuedBytes += msg.byteLength;
    this.pacer.schedule(w);
  }

  /** The watcher's turn: writes what it has queued; returns the bytes written. */
  private flush(w: Watcher): number {
    const bytes = w.queuedBytes;
    for (const msg of w.queue) this.sendCounted(w.viewer, w.count, msg);
    w.queue.length = 0;
    w.queuedBytes = 0;
    return bytes;
  }

  /** Every video byte to a browser goes through here: the browser counts them all. */
  private sendCounted(viewer: VideoViewer, c: ByteCount, msg: Uint8Array): void {
    viewer.sendVideo(msg);
    c.sent += msg.byteLength;
    if (c.acking && c.unacked.length < 1024) c.unacked.push(c.sent, this.o.clock.now());
  }

  /**
   * What the browser has not taken yet: its socket's unsent bytes, and — once it acknowledges
   * what it received (the cockpit does, every 100 ms) — the bytes sent and not acknowledged,
   * which also counts the kernel's buffers and the network; infinite when the oldest
   * unacknowledged send is older than 500 ms.
   */
  private behind(w: Watcher): number {
    const buffered = w.viewer.videoBuffered + w.queuedBytes;
    const c = w.count;
    if (!c.acking) return buffered;
    const oldest = c.unacked[1];
    if (c.unacked.length >= 1024 || (oldest !== undefined && this.o.clock.now() - oldest > MAX_LAG_MS))
      return Number.POSITIVE_INFINITY;
    return Math.max(buffered, c.sent - c.acked + w.queuedBytes);
  }

  private acknowledged(c: ByteCount, received: number): void {
    if (received > c.sent || received < c.acked) return; // not a count this hub sent
    c.acking = true;
    c.acked = received;
    let drop = 0;
    while (drop < c.unacked.length && (c.unacked[drop] as number) <= received) drop += 2;
    if (drop > 0) c.unacked.splice(0, drop);
  }

  private offer(w: Watcher, msg: Uint8Array, keyframe: boolean): void {
    const verdict = w.gate.offer(keyframe, msg.byteLength, this.behind(w));
    if (verdict === "send") {
      this.send(w, msg);
      this.frames.inc({ result: "sent" });
      this.bytes.inc({ dir: "out" }, msg.byteLength);
      return;
    }
    this.frames.inc({ result: "dropped" });
    // Caught up and only waiting for a keyframe: ask for one rather than wait a whole group.
    if (verdict === "wait-keyframe") this.askKeyframe(w.vehicle, w.camera);
  }

  private connected(conn: VideoVehicleConnection): void {
    const log = this.o.logger;
    const v = this.vehicle(conn.vehicleId);
    v.conn = conn;
    log.info({ vehicle: conn.vehicleId, remote: conn.remote }, "vehicle video link up");
    conn.on("au", (msg, h) => this.accessUnit(conn.vehicleId, v, msg, h));
    conn.on("cameras", (list) => {
      const message = encodeControl(KIND_CAMERAS, list);
      if (sameBytes(message, v.camerasMessage)) return;
      v.cameras = list;
      v.camerasMessage = message;
      for (const w of this.watchers.values()) if (w.vehicle === conn.vehicleId) this.send(w, message);
    });
    conn.on("drop", (err) => log.debug({ vehicle: conn.vehicleId, code: err.code }, err.message));
    conn.on("close", () => {
      if (v.conn !== conn) return;
      v.conn = undefined;
      for (const c of v.caches.values()) c.clear();
      log.info({ vehicle: conn.vehicleId }, "vehicle video link down");
    });
  }

  private accessUnit(vehicle: string, v: VehicleVideo, view: Uint8Array, h: AuHeader): void {
    // One copy per unit: the cache and every watcher's socket hold the same bytes.
    const msg = view.slice();
    stampHub(msg, this.o.clock.wallMicros());
    this.frames.inc({ result: "received" });
    this.bytes.inc({ dir: "in" }, msg.byteLength);
    let cache = v.caches.get(h.camera);
    if (cache === undefined) {
      cache = new GopCache({ maxBytes: this.o.gopBytes ?? 4 * 1024 * 1024, maxFrames: this.o.gopFrames ?? 300 });
      v.caches.set(h.camera, cache);
    }
    cache.add(msg, h.keyframe);
    for (const w of this.watchers.values()) {
      if (w.vehicle === vehicle && w.camera === h.camera) this.offer(w, msg, h.keyframe);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
