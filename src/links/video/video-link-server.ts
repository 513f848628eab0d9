import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { Clock, Timer } from "../../kernel/clock.ts";
import { TethysError } from "../../kernel/errors.ts";
import { LengthPrefixedReader } from "../../kernel/length-prefixed.ts";
import { VideoCodes } from "../../video/codes.ts";
import {
  ACK_BYTES,
  type AuHeader,
  type CameraList,
  CameraListSchema,
  decodeControl,
  encodeControl,
  KEYFRAME_REQUEST_BYTES,
  KIND_AU,
  KIND_CAMERAS,
  KIND_SETTINGS,
  readAuHeader,
  type SettingsRequest,
  videoKind,
  writeAck,
  writeKeyframeRequest,
} from "../../video/wire.ts";
import { checkPeer, normalizeFingerprint, type PemCredentials, tlsBase } from "../command/peer.ts";

/**
 * The hub's end of the video link: a TLS 1.3 listener of its own (`topside.video_port`) that
 * admits a vehicle with the command link's rules — certificate from the pair's CA, CN pinned to
 * its fingerprint — and hands out each vehicle's access units and camera list. Every read is
 * acknowledged with the byte count received so far (the vehicle's backpressure). A vehicle that
 * reconnects replaces its previous connection; one silent for `timeoutMs` is closed.
 */
export interface VideoLinkServerOptions {
  credentials: PemCredentials;
  /** Pinned SHA-256 fingerprint per vehicle id. */
  vehicles: Readonly<Record<string, string>>;
  clock: Clock;
  /** Largest access unit message accepted, bytes (default 4 MiB). */
  maxMessageBytes?: number;
  /** Handshake limit, and silence after which a connection is closed (default 5000 ms). */
  timeoutMs?: number;
}

export interface VideoLinkServerEvents {
  connection: [conn: VideoVehicleConnection];
  rejected: [error: TethysError];
}

export interface VideoConnectionEvents {
  /** `msg` is a view valid during the call; copy it to keep it. */
  au: [msg: Uint8Array, header: AuHeader];
  cameras: [list: CameraList];
  drop: [error: TethysError];
  close: [];
}

export class VideoVehicleConnection extends EventEmitter<VideoConnectionEvents> {
  readonly vehicleId: string;
  readonly remote: string;
  private readonly socket: TLSSocket;
  lastHeardAt: number;

  constructor(socket: TLSSocket, vehicleId: string, now: number) {
    super();
    this.socket = socket;
    this.vehicleId = vehicleId;
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.lastHeardAt = now;
  }

  /** Asks the vehicle to change a camera's settings. */
  sendSettings(request: SettingsRequest): void {
    const body = encodeControl(KIND_SETTINGS, request);
    const buf = Buffer.allocUnsafe(4 + body.length);
    buf.writeUInt32LE(body.length, 0);
    buf.set(body, 4);
    this.socket.write(buf);
  }

  /** Asks the vehicle for a keyframe of `camera` (the hub rate-limits these). */
  requestKeyframe(camera: number): void {
    const buf = Buffer.allocUnsafe(4 + KEYFRAME_REQUEST_BYTES);
    buf.writeUInt32LE(KEYFRAME_REQUEST_BYTES, 0);
    writeKeyframeRequest(buf.subarray(4), camera);
    this.socket.write(buf);
  }

  close(): void {
    this.socket.destroy();
  }
}

export class VideoLinkServer extends EventEmitter<VideoLinkServerEvents> {
  private readonly o: VideoLinkServerOptions;
  private readonly server: Server;
  private readonly pins = new Map<string, string>();
  private readonly live = new Map<string, VideoVehicleConnection>();
  private readonly sockets = new Set<TLSSocket>();
  private silence: Timer | undefined;

  constructor(o: VideoLinkServerOptions) {
    super();
    this.o = o;
    for (const [id, fp] of Object.entries(o.vehicles)) this.pins.set(id, normalizeFingerprint(fp));
    const timeoutMs = o.timeoutMs ?? 5000;
    this.server = createServer({
      ...tlsBase(o.credentials),
      requestCert: true,
      handshakeTimeout: timeoutMs,
      noDelay: true,
    });
    this.server.maxConnections = 8 + 2 * this.pins.size;
    this.server.on("secureConnection", (socket) => this.accept(socket));
    this.server.on("tlsClientError", (err: NodeJS.ErrnoException, socket) => {
      socket.destroy();
      this.emit(
        "rejected",
        new TethysError("CMD_TLS_HANDSHAKE", `video link TLS handshake failed: ${err.code ?? err.message}`),
      );
    });
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const timeoutMs = this.o.timeoutMs ?? 5000;
    this.silence = this.o.clock.setInterval(Math.max(50, timeoutMs / 4), () => {
      const now = this.o.clock.now();
      for (const c of this.live.values()) if (now - c.lastHeardAt > timeoutMs) c.close();
    });
    return this.server.address() as AddressInfo;
  }

  /** The live connection of `vehicleId`, if any. */
  connection(vehicleId: string): VideoVehicleConnection | undefined {
    return this.live.get(vehicleId);
  }

  async close(): Promise<void> {
    this.silence?.cancel();
    for (const s of this.sockets) s.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: TLSSocket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    const verdict = checkPeer(socket, (cn) => this.pins.get(cn));
    if (!verdict.ok) {
      socket.destroy();
      this.emit(
        "rejected",
        new TethysError(verdict.code, `video link from ${socket.remoteAddress} refused: ${verdict.reason}`, {
          details: verdict.details,
        }),
      );
      return;
    }
    const id = verdict.commonName;
    const conn = new VideoVehicleConnection(socket, id, this.o.clock.now());
    const previous = this.live.get(id);
    this.live.set(id, conn);
    previous?.close();
    const reader = new LengthPrefixedReader({
      prefixBytes: 4,
      byteOrder: "little",
      maxFrame: this.o.maxMessageBytes ?? 4 * 1024 * 1024,
      minFrame: 2,
      faultCode: VideoCodes.BAD_FRAME,
    });
    const header = {} as AuHeader;
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      conn.lastHeardAt = this.o.clock.now();
      received += chunk.length;
      const fault = reader.push(chunk, (msg) => {
        try {
          const kind = videoKind(msg);
          if (kind === KIND_AU) conn.emit("au", msg, readAuHeader(msg, header));
          else if (kind === KIND_CAMERAS) conn.emit("cameras", decodeControl(msg, KIND_CAMERAS, CameraListSchema));
          else throw new TethysError(VideoCodes.BAD_FRAME, `video message kind ${kind} may not come from a vehicle`);
        } catch (err) {
          conn.emit("drop", err as TethysError);
        }
      });
      if (fault !== undefined) {
        conn.emit("drop", new TethysError(fault.code, `video message of ${fault.declared} bytes (max ${fault.max})`));
        socket.destroy();
        return;
      }
      // What arrived so far: the vehicle's measure of what is still in flight.
      const ack = Buffer.allocUnsafe(4 + ACK_BYTES);
      ack.writeUInt32LE(ACK_BYTES, 0);
      writeAck(ack.subarray(4), received);
      socket.write(ack);
    });
    socket.on("close", () => {
      if (this.live.get(id) === conn) this.live.delete(id);
      conn.emit("close");
    });
    this.emit("connection", conn);
  }
}
