/**
 * Video messages, the same bytes on every hop: the vehicle sends them to the hub on the video
 * link (each behind a u32 little-endian length), the hub forwards access units to browsers as
 * binary WebSocket messages unchanged except for its receive time. Pure and browser-safe.
 *
 * Every message starts with the byte 0x56 ("V"), which no protocol frame starts with (their
 * first byte is the protocol version, 1), so video shares the cockpit's WebSocket.
 *
 * Access unit (kind 1), all little-endian:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 1 | 0x56 |
 * | 1 | 1 | kind = 1 |
 * | 2 | 1 | camera index |
 * | 3 | 1 | flags: bit 0 keyframe, bit 1 first after a gap (frames were dropped before it) |
 * | 4 | 4 | sequence number (u32, per camera, from the vehicle) |
 * | 8 | 8 | capture time, µs since the Unix epoch (f64): when the source output the frame |
 * | 16 | 8 | vehicle send time, µs (f64) |
 * | 24 | 8 | hub receive time, µs (f64; 0 until the hub sets it) |
 * | 32 | 2 | width (u16) |
 * | 34 | 2 | height (u16) |
 * | 36 | n | the access unit, H.264 Annex B |
 *
 * Control messages (kinds 2–4) carry UTF-8 JSON after the two-byte prefix, validated by the
 * schemas below: 2 camera list (vehicle → hub → browser), 3 watch (browser → hub), 4 camera
 * settings (browser → hub → vehicle; pilot only). Kind 5 (hub → vehicle, video link only)
 * acknowledges the bytes received so far (f64 little-endian after the prefix): the vehicle's
 * measure of what is still in flight, kernel buffers and tether included. Kind 6 (hub →
 * vehicle on the video link, browser → hub) asks for a keyframe of one camera: the prefix and
 * the camera index, three bytes.
 */
import { z } from "zod";
import { TethysError } from "../kernel/errors.ts";
import { VideoCodes } from "./codes.ts";

export const VIDEO_MAGIC = 0x56;
export const KIND_AU = 1;
export const KIND_CAMERAS = 2;
export const KIND_WATCH = 3;
export const KIND_SETTINGS = 4;
export const KIND_ACK = 5;
export const KIND_KEYFRAME = 6;
/** A keyframe request: prefix and camera index. */
export const KEYFRAME_REQUEST_BYTES = 3;
/** An acknowledgement: prefix and the bytes received so far on the connection (f64). */
export const ACK_BYTES = 10;
export const AU_HEADER_BYTES = 36;
export const FLAG_KEYFRAME = 1;
export const FLAG_GAP = 2;
/** Largest control message, bytes. */
export const MAX_CONTROL_BYTES = 4096;

export interface AuHeader {
  camera: number;
  keyframe: boolean;
  gap: boolean;
  seq: number;
  captureMicros: number;
  sentMicros: number;
  hubMicros: number;
  width: number;
  height: number;
}

/** A video message that does not decode or validate (VIDEO_BAD_FRAME, VIDEO_BAD_CONTROL). */
export class VideoWireError extends TethysError {}

/** Writes an access-unit header at `out[0..36)`. */
export function writeAuHeader(out: Uint8Array, h: AuHeader): void {
  const v = new DataView(out.buffer, out.byteOffset, AU_HEADER_BYTES);
  out[0] = VIDEO_MAGIC;
  out[1] = KIND_AU;
  out[2] = h.camera;
  out[3] = (h.keyframe ? FLAG_KEYFRAME : 0) | (h.gap ? FLAG_GAP : 0);
  v.setUint32(4, h.seq >>> 0, true);
  v.setFloat64(8, h.captureMicros, true);
  v.setFloat64(16, h.sentMicros, true);
  v.setFloat64(24, h.hubMicros, true);
  v.setUint16(32, h.width, true);
  v.setUint16(34, h.height, true);
}

/** Sets the hub receive time in a received access-unit message, in place. */
export function stampHub(msg: Uint8Array, micros: number): void {
  new DataView(msg.buffer, msg.byteOffset, AU_HEADER_BYTES).setFloat64(24, micros, true);
}

/** The kind of a video message, or throws VIDEO_BAD_FRAME. */
export function videoKind(msg: Uint8Array): number {
  if (msg.length < 2 || msg[0] !== VIDEO_MAGIC) throw new VideoWireError(VideoCodes.BAD_FRAME, "not a video message");
  const kind = msg[1] as number;
  if (kind < KIND_AU || kind > KIND_KEYFRAME)
    throw new VideoWireError(VideoCodes.BAD_FRAME, `unknown video message kind ${kind}`);
  return kind;
}

/** Reads and checks an access-unit header (the payload is `msg.subarray(AU_HEADER_BYTES)`). */
export function readAuHeader(msg: Uint8Array, out?: AuHeader): AuHeader {
  if (msg.length <= AU_HEADER_BYTES + 3 || msg[0] !== VIDEO_MAGIC || msg[1] !== KIND_AU)
    throw new VideoWireError(VideoCodes.BAD_FRAME, `access unit message too short or malformed (${msg.length} bytes)`);
  const v = new DataView(msg.buffer, msg.byteOffset, AU_HEADER_BYTES);
  const flags = msg[3] as number;
  if (flags > 3) throw new VideoWireError(VideoCodes.BAD_FRAME, `unknown access unit flags ${flags}`);
  const h = out ?? ({} as AuHeader);
  h.camera = msg[2] as number;
  h.keyframe = (flags & FLAG_KEYFRAME) !== 0;
  h.gap = (flags & FLAG_GAP) !== 0;
  h.seq = v.getUint32(4, true);
  h.captureMicros = v.getFloat64(8, true);
  h.sentMicros = v.getFloat64(16, true);
  h.hubMicros = v.getFloat64(24, true);
  h.width = v.getUint16(32, true);
  h.height = v.getUint16(34, true);
  for (const t of [h.captureMicros, h.sentMicros, h.hubMicros])
    if (!Number.isFinite(t) || t < 0) throw new VideoWireError(VideoCodes.BAD_FRAME, "access unit time out of range");
  return h;
}

/** Writes an acknowledgement of `received` bytes at `out[0..10)`. */
export function writeAck(out: Uint8Array, received: number): void {
  out[0] = VIDEO_MAGIC;
  out[1] = KIND_ACK;
  new DataView(out.buffer, out.byteOffset + 2, 8).setFloat64(0, received, true);
}

/** The byte count of an acknowledgement, or throws VIDEO_BAD_FRAME. */
export function readAck(msg: Uint8Array): number {
  if (msg.length !== ACK_BYTES || msg[0] !== VIDEO_MAGIC || msg[1] !== KIND_ACK)
    throw new VideoWireError(VideoCodes.BAD_FRAME, "malformed acknowledgement");
  const n = new DataView(msg.buffer, msg.byteOffset + 2, 8).getFloat64(0, true);
  if (!Number.isSafeInteger(n) || n < 0) throw new VideoWireError(VideoCodes.BAD_FRAME, "acknowledgement out of range");
  return n;
}

/** Writes a keyframe request for `camera` at `out[0..3)`. */
export function writeKeyframeRequest(out: Uint8Array, camera: number): void {
  out[0] = VIDEO_MAGIC;
  out[1] = KIND_KEYFRAME;
  out[2] = camera;
}

/** The camera index of a keyframe request, or throws VIDEO_BAD_FRAME. */
export function readKeyframeRequest(msg: Uint8Array): number {
  if (msg.length !== KEYFRAME_REQUEST_BYTES || msg[0] !== VIDEO_MAGIC || msg[1] !== KIND_KEYFRAME)
    throw new VideoWireError(VideoCodes.BAD_FRAME, "malformed keyframe request");
  return msg[2] as number;
}

const cameraName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "expected 1–32 lower-case letters, digits or dashes");

export const CameraSettingsSchema = z.strictObject({
  width: z.number().int().min(64).max(3840).multipleOf(2),
  height: z.number().int().min(64).max(2160).multipleOf(2),
  fps: z.number().int().min(1).max(60),
  bitrate_kbps: z.number().int().min(100).max(50_000),
});
export type CameraSettings = z.infer<typeof CameraSettingsSchema>;

/** Whether two settings are the same picture size, rate and bitrate. */
export function sameSettings(a: CameraSettings, b: CameraSettings): boolean {
  return a.width === b.width && a.height === b.height && a.fps === b.fps && a.bitrate_kbps === b.bitrate_kbps;
}

export const CameraListSchema = z.strictObject({
  cameras: z
    .array(
      z.strictObject({
        index: z.number().int().min(0).max(255),
        name: cameraName,
        kind: z.enum(["uvc", "rpicam", "sim"]),
        state: z.enum(["starting", "live", "restarting", "missing"]),
        /** Why the camera is not live (a code), or "". */
        code: z.string().max(40),
        settings: CameraSettingsSchema,
        /** Whether the source can change bitrate (a UVC camera encodes at its own rate). */
        bitrate: z.boolean(),
        /** The camera's tilt on the vehicle now (its mount and its servo), degrees, up positive; absent when 0. */
        tiltDeg: z.number().min(-90).max(90).optional(),
        /** The camera is on the tilt servo (`camera-tilt` moves it); absent when not. */
        tiltServo: z.boolean().optional(),
      }),
    )
    .max(8),
});
export type CameraList = z.infer<typeof CameraListSchema>;

export const WatchSchema = z.strictObject({
  vehicle: z.string().max(32),
  /** Camera index, or -1 to stop watching. */
  camera: z.number().int().min(-1).max(255),
});
export type Watch = z.infer<typeof WatchSchema>;

export const SettingsRequestSchema = z.strictObject({
  vehicle: z.string().max(32),
  camera: z.number().int().min(0).max(255),
  settings: CameraSettingsSchema,
});
export type SettingsRequest = z.infer<typeof SettingsRequestSchema>;

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

/** A control message: prefix and JSON. */
export function encodeControl(kind: number, value: unknown): Uint8Array {
  const json = enc.encode(JSON.stringify(value));
  const out = new Uint8Array(2 + json.length);
  out[0] = VIDEO_MAGIC;
  out[1] = kind;
  out.set(json, 2);
  return out;
}

/** Decodes and validates a control message of `kind` (VIDEO_BAD_CONTROL otherwise). */
export function decodeControl<T>(msg: Uint8Array, kind: number, schema: z.ZodType<T>): T {
  if (msg.length > MAX_CONTROL_BYTES)
    throw new VideoWireError(
      VideoCodes.BAD_CONTROL,
      `control message of ${msg.length} bytes (max ${MAX_CONTROL_BYTES})`,
    );
  if (msg.length < 3 || msg[0] !== VIDEO_MAGIC || msg[1] !== kind)
    throw new VideoWireError(VideoCodes.BAD_CONTROL, "not a video control message of the expected kind");
  let value: unknown;
  try {
    value = JSON.parse(dec.decode(msg.subarray(2)));
  } catch {
    throw new VideoWireError(VideoCodes.BAD_CONTROL, "control message is not UTF-8 JSON");
  }
  const r = schema.safeParse(value);
  if (!r.success)
    throw new VideoWireError(VideoCodes.BAD_CONTROL, `control message invalid: ${r.error.issues[0]?.message ?? "?"}`);
  return r.data;
}
