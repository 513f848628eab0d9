import { EventEmitter } from "node:events";
import { type ConnectionOptions, connect, type TLSSocket } from "node:tls";
import { Backoff, type BackoffOptions } from "../../kernel/backoff.ts";
import type { Clock, Timer } from "../../kernel/clock.ts";
import { TethysError } from "../../kernel/errors.ts";
import { LengthPrefixedReader } from "../../kernel/length-prefixed.ts";
import { VideoCodes } from "../../video/codes.ts";
import { ViewerGate } from "../../video/viewer-gate.ts";
import {
  AU_HEADER_BYTES,
  type CameraList,
  decodeControl,
  encodeControl,
  KIND_ACK,
  KIND_CAMERAS,
  KIND_KEYFRAME,
  KIND_SETTINGS,
  MAX_CONTROL_BYTES,
  readAck,
  readKeyframeRequest,
  type SettingsRequest,
  SettingsRequestSchema,
  writeAuHeader,
} from "../../video/wire.ts";
import { checkPeer, linkDialOptions, normalizeFingerprint, type PemCredentials } from "../command/peer.ts";

/**
 * The vehicle's end of the video link: its own TLS 1.3 connection to the hub's video port, with
 * the command link's certificate, CA and pinned hub fingerprint — a separate TCP connection, so
 * a frame of video in flight never sits in front of a command (no head-of-line blocking between
 * them, in the kernel's buffers or on the tether). Messages are `src/video/wire.ts` messages
 * behind a u32 little-endian length.
 *
 * Backpressure: what is in flight is measured end to end — bytes written minus the bytes the
 * hub acknowledged, so the kernel's socket buffers (megabytes on Linux) and a tether's queue
 * count too, not only Node's buffer. An access unit is written only while that plus the unit
 * stays under `maxBufferedBytes` and the oldest unacknowledged unit is younger than `maxLagMs`;
 * otherwise that camera drops to its next keyframe (ViewerGate) and the next unit sent is
 * flagged as following a gap. Nothing is queued for later. Once there is room again and only
 * the keyframe is missing, the link asks for one (`keyframe`), as it does when the hub asks.
 */
export interface VideoLinkClientOptions {
  host: string;
  port: number;
  credentials: PemCredentials;
  hubFingerprint: string;
  clock: Clock;
  backoff?: Partial<BackoffOptions>;
  /** Unacknowledged bytes above which access units are dropped to the next keyframe (default 512 KiB). */
  maxBufferedBytes?: number;
  /** Age of the oldest unacknowledged unit above which units are dropped (default 300 ms). */
  maxLagMs?: number;
  /** TCP + TLS must be up within this, and a write backlog that does not move for this long closes the link (default 3000 ms). */
  timeoutMs?: number;
  dial?: (options: ConnectionOptions) => TLSSocket;
}

export interface VideoLinkClientEvents {
  up: [];
  down: [error: TethysError, retryInMs: number];
  settings: [request: SettingsRequest];
  /**
   * A keyframe of `camera` would help: the hub asked (a browser joined or fell behind), or this
   * link dropped to the next keyframe and could send one now.
   */
  keyframe: [camera: number];
  drop: [error: TethysError];
}

export interface VideoLinkStats {
  framesSent: number;
  bytesSent: number;
  framesDropped: number;
  stalls: number;
}

export class VideoLinkClient extends EventEmitter<VideoLinkClientEvents> {
  readonly stats: VideoLinkStats = { framesSent: 0, bytesSent: 0, framesDropped: 0, stalls: 0 };
  private readonly o: VideoLinkClientOptions;
  private readonly backoff: Backoff;
  private readonly pin: string;
  private readonly limit: number;
  private socket: TLSSocket | undefined;
  private isUp = false;
  private stopped = true;
  /** One TLS context for every attempt (peer.ts linkDialOptions). */
  private readonly dialOptions: (host: string, port: number) => ConnectionOptions;
  private retry: Timer | undefined;
  private liveness: Timer | undefined;
  private readonly gates = new Map<number, ViewerGate>();
  private readonly seqs = new Map<number, number>();
  private readonly gapped = new Set<number>();
  private backlogSince: number | undefined;
  /** Bytes written on this connection, and acknowledged by the hub. */
  private written = 0;
  private acked = 0;
  /** Unacknowledged units: end offset and write time, pairs, oldest first (bounded). */
  private readonly unacked: number[] = [];

  constructor(o: VideoLinkClientOptions) {
    super();
    this.o = o;
    this.pin = normalizeFingerprint(o.hubFingerprint);
    this.backoff = new Backoff({ initialMs: 250, maxMs: 10_000, ...o.backoff });
    this.limit = o.maxBufferedBytes ?? 512 * 1024;
    this.dialOptions = linkDialOptions(o.credentials);
  }

  get up(): boolean {
    return this.isUp;
  }

  /** Bytes written and not yet acknowledged by the hub. */
  get inFlight(): number {
    return this.written - this.acked;
  }

  /** In flight as the gate sees it: past the lag limit, more than any budget. */
  private congestion(): number {
    const oldest = this.unacked[1];
    if (this.unacked.length >= 512) return Number.POSITIVE_INFINITY;
    if (oldest !== undefined && this.o.clock.now() - oldest > (this.o.maxLagMs ?? 300)) return Number.POSITIVE_INFINITY;
    return this.written - this.acked;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const timeoutMs = this.o.timeoutMs ?? 3000;
    this.liveness = this.o.clock.setInterval(Math.max(50, timeoutMs / 4), () => {
      const s = this.socket;
      if (!this.isUp || s === undefined) return;
      // A tether that takes nothing for timeoutMs is dead, whatever TCP still believes.
      if (s.writableLength === 0) this.backlogSince = undefined;
      else if (this.backlogSince === undefined) this.backlogSince = this.o.clock.now();
      else if (this.o.clock.now() - this.backlogSince > timeoutMs) s.destroy(new Error("write backlog stuck"));
    });
    this.attempt();
  }

  stop(): void {
    this.stopped = true;
    this.retry?.cancel();
    this.liveness?.cancel();
    this.socket?.destroy();
    this.socket = undefined;
    this.isUp = false;
  }

  /**
   * Sends one access unit of `camera` (or drops it under backpressure); returns whether it was
   * written. One buffer per unit: the socket keeps it until written.
   */
  sendAccessUnit(
    camera: number,
    au: Uint8Array,
    f: { keyframe: boolean; width: number; height: number; captureMicros: number },
  ): boolean {
    const s = this.socket;
    if (!this.isUp || s === undefined) return false;
    let gate = this.gates.get(camera);
    if (gate === undefined) {
      gate = new ViewerGate(this.limit);
      this.gates.set(camera, gate);
    }
    const size = 4 + AU_HEADER_BYTES + au.length;
    const stallsBefore = gate.stalls;
    const verdict = gate.offer(f.keyframe, size, this.congestion());
    if (verdict !== "send") {
      this.stats.framesDropped++;
      if (gate.stalls !== stallsBefore) this.stats.stalls++;
      this.gapped.add(camera);
      // The link has room again and only waits for a keyframe: ask the camera for one now.
      if (verdict === "wait-keyframe") this.emit("keyframe", camera);
      return false;
    }
    const seq = ((this.seqs.get(camera) ?? 0) + 1) >>> 0;
    this.seqs.set(camera, seq);
    const buf = Buffer.allocUnsafe(size);
    buf.writeUInt32LE(size - 4, 0);
    writeAuHeader(buf.subarray(4), {
      camera,
      keyframe: f.keyframe,
      gap: this.gapped.delete(camera),
      seq,
      captureMicros: f.captureMicros,
      sentMicros: this.o.clock.wallMicros(),
      hubMicros: 0,
      width: f.width,
      height: f.height,
    });
    buf.set(au, 4 + AU_HEADER_BYTES);
    s.write(buf);
    this.written += size;
    this.unacked.push(this.written, this.o.clock.now());
    this.stats.framesSent++;
    this.stats.bytesSent += size;
    return true;
  }

  /** Sends the camera list (also the link's keepalive: the hub closes a silent link). */
  sendCameras(list: CameraList): void {
    const s = this.socket;
    if (!this.isUp || s === undefined) return;
    const body = encodeControl(KIND_CAMERAS, list);
    const buf = Buffer.allocUnsafe(4 + body.length);
    buf.writeUInt32LE(body.length, 0);
    buf.set(body, 4);
    s.write(buf);
    this.written += buf.length;
  }

  private attempt(): void {
    if (this.stopped) return;
    const timeoutMs = this.o.timeoutMs ?? 3000;
    let socket: TLSSocket;
    try {
      socket = (this.o.dial ?? connect)(this.dialOptions(this.o.host, this.o.port));
    } catch (err) {
      this.failed(new TethysError(VideoCodes.LINK_DOWN, `cannot dial ${this.o.host}:${this.o.port}`, { cause: err }));
      return;
    }
    this.socket = socket;
    let done = false;
    const deadline = this.o.clock.setTimer(timeoutMs, () => socket.destroy(new Error("connect timeout")));
    socket.setNoDelay(true);
    socket.on("secureConnect", () => {
      deadline.cancel();
      const verdict = checkPeer(socket, (cn) => (cn === "hub" ? this.pin : undefined));
      if (!verdict.ok) {
        socket.destroy(new TethysError(verdict.code, verdict.reason));
        return;
      }
      this.isUp = true;
      this.written = 0;
      this.acked = 0;
      this.unacked.length = 0;
      this.backoff.reset();
      for (const g of this.gates.values()) g.restart();
      this.emit("up");
    });
    const reader = new LengthPrefixedReader({
      prefixBytes: 4,
      byteOrder: "little",
      maxFrame: MAX_CONTROL_BYTES,
      faultCode: VideoCodes.BAD_FRAME,
    });
    socket.on("data", (chunk: Buffer) => {
      if (!this.isUp) return;
      const fault = reader.push(chunk, (msg) => {
        try {
          if (msg[1] === KIND_ACK) {
            this.acknowledged(readAck(msg));
            return;
          }
          if (msg[1] === KIND_KEYFRAME) {
            this.emit("keyframe", readKeyframeRequest(msg));
            return;
          }
          this.emit("settings", decodeControl(msg, KIND_SETTINGS, SettingsRequestSchema));
        } catch (err) {
          this.emit("drop", err as TethysError);
        }
      });
      if (fault !== undefined) socket.destroy(new TethysError(fault.code, `message of ${fault.declared} bytes`));
    });
    socket.on("error", () => {}); // the close below reports it
    socket.on("close", () => {
      deadline.cancel();
      if (done) return;
      done = true;
      if (this.socket === socket) this.socket = undefined;
      this.isUp = false;
      this.backlogSince = undefined;
      if (!this.stopped)
        this.failed(new TethysError(VideoCodes.LINK_DOWN, `video link to ${this.o.host}:${this.o.port} closed`));
    });
  }

  private acknowledged(received: number): void {
    if (received > this.written || received < this.acked) return; // not ours: ignore
    this.acked = received;
    const u = this.unacked;
    let drop = 0;
    while (drop < u.length && (u[drop] as number) <= received) drop += 2;
    if (drop > 0) u.splice(0, drop);
  }

  private failed(err: TethysError): void {
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.emit("down", err, delay);
    this.retry = this.o.clock.setTimer(delay, () => this.attempt());
  }
}
