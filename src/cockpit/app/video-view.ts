import type { MessageOf, SessionRole } from "../../protocol/index.ts";
import { analyseAccessUnit } from "../../video/annexb.ts";
import {
  ACK_BYTES,
  AU_HEADER_BYTES,
  type AuHeader,
  type CameraList,
  CameraListSchema,
  decodeControl,
  encodeControl,
  KEYFRAME_REQUEST_BYTES,
  KIND_AU,
  KIND_CAMERAS,
  KIND_SETTINGS,
  KIND_WATCH,
  readAuHeader,
  videoKind,
  writeAck,
  writeKeyframeRequest,
} from "../../video/wire.ts";
import { horizonLine } from "../core/horizon.ts";
import { presetOf, settingsLabel, VIDEO_PRESETS } from "../core/video-presets.ts";
import { DecodeGate, type VideoState, VideoStats } from "../core/video-stats.ts";
import { httpsAddress, linkTo } from "./hub-info.ts";

/**
 * The cockpit's video panel: the vehicle's camera decoded with WebCodecs (`VideoDecoder`, H.264
 * Annex B, `optimizeForLatency`), drawn on a canvas as each frame comes out of the decoder, with
 * the instruments drawn over it as a HUD (heading, depth, attitude line, armed state). It asks
 * the hub for the camera (`watch`) once the page is attached to a vehicle and the hub has sent
 * the vehicle's camera list (a hub without video sends none, and is sent nothing); the pilot may pick
 * another camera and a quality preset (`settings`). A badge says plainly when the picture is
 * stalled (no new frame for a second), when it waits for a keyframe, and when this browser
 * cannot decode at all (no WebCodecs: an insecure context — open the HTTPS address, or
 * localhost). Snapshot saves video and HUD as a PNG.
 *
 * When its decoder has to wait for a keyframe (it fell behind, or failed) it asks the hub for
 * one. Every 100 ms it acknowledges the video bytes it received, so the hub measures what is still in
 * flight to this browser (kernel buffers and network included) and drops to a keyframe rather
 * than let video queue up.
 *
 * It owns its DOM (built inside `#video-panel`) and its styles, so the page only gives it a
 * place, the socket's send, and calls `receive` and `frame`.
 */

const CSS = `
.video-panel[hidden] { display: none; }
.video-panel { position: relative; background: #000; border-radius: 6px; overflow: hidden; }
.video-panel .video-stage { position: relative; width: 100%; aspect-ratio: 16 / 9; }
.video-panel canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
.video-panel .video-badge { position: absolute; left: 8px; bottom: 8px; padding: 2px 8px; border-radius: 4px;
  font: 600 13px system-ui, sans-serif; background: rgba(0,0,0,.6); color: #fff; }
.video-panel .video-badge[data-state="stalled"], .video-panel .video-badge[data-state="unavailable"] { background: #b00020; }
.video-panel .video-message { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  text-align: center; padding: 16px; color: #ddd; font: 14px system-ui, sans-serif; }
.video-panel .video-message a { color: #8cf; margin: 0 .3em; }
.video-panel .video-bar { display: flex; gap: 6px; align-items: center; padding: 4px 6px; background: #111; color: #ccc;
  font: 12px system-ui, sans-serif; }
.video-panel .video-bar .spacer { flex: 1; }
.video-panel .video-bar label { display: flex; gap: 4px; align-items: center; min-width: 0; white-space: nowrap; }
.video-panel .video-bar select { min-width: 0; max-width: 14em; }
.video-panel .video-bar .video-info { min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.video-panel .video-bar button { flex: none; }
`;

export interface VideoViewDeps {
  /** Sends a video message on the cockpit's socket; false when it is not open. */
  send(bytes: Uint8Array): boolean;
  /** performance.now() */
  now(): number;
  /** Whether the vehicle's camera list has a camera on a tilt servo (on every list). */
  tiltServo?(present: boolean): void;
}

type Telemetry = MessageOf<"telemetry">;

export class VideoView {
  readonly stats = new VideoStats();
  readonly available: boolean;
  private readonly deps: VideoViewDeps;
  private readonly video: HTMLCanvasElement;
  private readonly hud: HTMLCanvasElement;
  private readonly panel: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly message: HTMLElement;
  private readonly cameraSelect: HTMLSelectElement;
  private readonly qualitySelect: HTMLSelectElement;
  private readonly info: HTMLElement;
  private readonly gate = new DecodeGate(3);
  private readonly header = {} as AuHeader;
  private decoder: VideoDecoder | undefined;
  private codec = "";
  private cameras: CameraList = { cameras: [] };
  private camera = 0;
  /** vehicle|camera|connection generation the hub was last asked to send. */
  private watchKey = "";
  private generation = 0;
  private vehicle = "";
  /** The hub sent a camera list on this connection: it relays video (else nothing is sent to it). */
  private hubHasVideo = false;
  private role: SessionRole | "none" = "none";
  /** Header times of units in the decoder, by capture timestamp (bounded). */
  private readonly inFlight = new Map<number, { sent: number; hub: number; received: number }>();
  private lastBadge = "";
  private lastInfo = "";
  private hudKey = "";
  /** Video bytes received on this connection, and when they were last acknowledged to the hub. */
  private receivedBytes = 0;
  private ackedBytes = 0;
  private lastAckAt = 0;
  private readonly ack = new Uint8Array(ACK_BYTES);
  private readonly keyframeRequest = new Uint8Array(KEYFRAME_REQUEST_BYTES);
  private lastKeyframeRequestAt = Number.NEGATIVE_INFINITY;

  constructor(panel: HTMLElement, deps: VideoViewDeps) {
    this.deps = deps;
    this.available = typeof VideoDecoder === "function";
    const style = document.createElement("style");
    style.textContent = CSS;
    document.head.append(style);
    panel.classList.add("video-panel");
    // shown once the hub says it relays video (its camera list): a hub without video takes no room
    panel.hidden = true;
    this.panel = panel;
    panel.innerHTML = `<div class="video-stage"><canvas class="video-picture" width="640" height="360"></canvas>
<canvas class="video-hud" width="640" height="360"></canvas><div class="video-message"></div>
<span class="video-badge" role="status"></span></div>
<div class="video-bar"><label>Camera <select class="video-camera"></select></label>
<label class="video-quality-label">Quality <select class="video-quality"></select></label>
<span class="spacer"></span><span class="video-info"></span>
<button type="button" class="video-snapshot small-btn">Snapshot</button></div>`;
    const q = <T extends HTMLElement>(sel: string) => panel.querySelector(sel) as T;
    this.video = q<HTMLCanvasElement>(".video-picture");
    this.hud = q<HTMLCanvasElement>(".video-hud");
    this.badge = q(".video-badge");
    this.message = q(".video-message");
    this.cameraSelect = q<HTMLSelectElement>(".video-camera");
    this.qualitySelect = q<HTMLSelectElement>(".video-quality");
    this.info = q(".video-info");
    this.qualitySelect.innerHTML = `<option value="">—</option>${VIDEO_PRESETS.map((p, i) => `<option value="${i}">${p.label}</option>`).join("")}`;
    this.cameraSelect.addEventListener("change", () => {
      this.camera = Number(this.cameraSelect.value);
      this.watchKey = "";
      this.showQuality();
    });
    this.qualitySelect.addEventListener("change", () => {
      const preset = VIDEO_PRESETS[Number(this.qualitySelect.value)];
      if (preset === undefined || this.role !== "pilot") return;
      this.deps.send(
        encodeControl(KIND_SETTINGS, { vehicle: this.vehicle, camera: this.camera, settings: preset.settings }),
      );
    });
    q(".video-snapshot").addEventListener("click", () => void this.saveSnapshot());
    if (!this.available) {
      if (isSecureContext)
        this.message.textContent =
          "This browser cannot decode video (no WebCodecs): use a current Chromium, Chrome, Edge or Safari.";
      else void this.secureContextHint();
    }
  }

  /**
   * On a plain-HTTP page from another computer browsers hide WebCodecs: say so, with a link to
   * the same page on the hub's HTTPS port (`/hub.json`), or that the hub has none.
   */
  private async secureContextHint(): Promise<void> {
    const m = this.message;
    m.textContent = "Video needs a secure context: open the cockpit over HTTPS or on localhost.";
    const url = await httpsAddress();
    if (url === null)
      m.textContent =
        "Video needs a secure context: this hub has no HTTPS listener (set topside.https_port, docs/topside.md), or open the cockpit on localhost.";
    else if (url !== undefined)
      m.replaceChildren(
        "Video needs a secure context: open the cockpit over HTTPS at ",
        linkTo(url, "video-https-link"),
        " (or on localhost).",
      );
  }

  /** A video message from the hub (first byte 0x56). */
  receive(msg: Uint8Array): void {
    this.receivedBytes += msg.byteLength;
    try {
      const kind = videoKind(msg);
      if (kind === KIND_CAMERAS) this.setCameras(decodeControl(msg, KIND_CAMERAS, CameraListSchema));
      else if (kind === KIND_AU) this.accessUnit(msg);
    } catch {
      this.stats.errors++;
    }
  }

  /** The socket closed: the hub forgets what this page watched. */
  disconnected(): void {
    this.hubHasVideo = false;
    this.receivedBytes = 0;
    this.ackedBytes = 0;
    this.generation++;
    this.watchKey = "";
    this.resetDecoder();
  }

  /** Called every animation frame with the session's vehicle, role and telemetry. */
  frame(vehicle: string, role: SessionRole | "none", t: Telemetry | undefined, stale: boolean): void {
    this.vehicle = vehicle;
    this.role = role;
    const watching = vehicle !== "" && role !== "none" && this.hubHasVideo;
    const key = watching ? `${vehicle}|${this.camera}|${this.generation}` : "";
    if (key !== this.watchKey && this.available) {
      if (watching && this.deps.send(encodeControl(KIND_WATCH, { vehicle, camera: this.camera }))) {
        this.watchKey = key;
        this.resetDecoder();
        this.stats.clear();
      } else if (!watching) this.watchKey = "";
    }
    const now = this.deps.now();
    // Tell the hub what arrived, every 100 ms: its measure of what is still in flight to us.
    if (this.receivedBytes !== this.ackedBytes && now - this.lastAckAt >= 100) {
      writeAck(this.ack, this.receivedBytes);
      if (this.deps.send(this.ack)) {
        this.ackedBytes = this.receivedBytes;
        this.lastAckAt = now;
      }
    }
    const state: VideoState = this.stats.state(now, this.watchKey !== "", this.available);
    const age = this.stats.lastDecodedAt === undefined ? 0 : (now - this.stats.lastDecodedAt) / 1000;
    const badge =
      state === "live"
        ? `● LIVE ${this.cameras.cameras[this.camera]?.name ?? ""}`
        : state === "stalled"
          ? `VIDEO STALLED — no new frame for ${age.toFixed(1)} s`
          : state === "waiting"
            ? "Waiting for video…"
            : state === "unavailable"
              ? "No video decoder"
              : "Video off";
    if (badge !== this.lastBadge) {
      this.badge.textContent = badge;
      this.badge.dataset.state = state;
      this.lastBadge = badge;
    }
    (this.qualitySelect.parentElement as HTMLElement).hidden = role !== "pilot";
    const v = this.stats.view();
    const info = v.decoded === 0 ? "" : `${v.fps.toFixed(0)} fps · ${v.latencyMs?.toFixed(0) ?? "—"} ms glass-to-glass`;
    if (info !== this.lastInfo) {
      this.info.textContent = info;
      this.lastInfo = info;
    }
    this.drawHud(t, stale);
  }

  /** PNG of the picture with its HUD (data URL). */
  snapshot(): string {
    const c = document.createElement("canvas");
    c.width = this.video.width;
    c.height = this.video.height;
    const ctx = c.getContext("2d") as CanvasRenderingContext2D;
    ctx.drawImage(this.video, 0, 0);
    ctx.drawImage(this.hud, 0, 0, c.width, c.height);
    return c.toDataURL("image/png");
  }

  private async saveSnapshot(): Promise<void> {
    const a = document.createElement("a");
    a.href = this.snapshot();
    a.download = `tethys-${this.vehicle || "video"}-${new Date().toISOString().replace(/[:.]/g, "-")}.png`;
    a.click();
  }

  /** The quality shows the chosen camera's settings now: its preset, or the settings as they are. */
  private showQuality(): void {
    const cam = this.cameras.cameras.find((c) => c.index === this.camera);
    (this.qualitySelect.options[0] as HTMLOptionElement).textContent =
      cam === undefined ? "—" : settingsLabel(cam.settings);
    const preset = cam === undefined ? -1 : presetOf(cam.settings);
    this.qualitySelect.value = preset < 0 ? "" : String(preset);
  }

  private setCameras(list: CameraList): void {
    this.hubHasVideo = true;
    this.panel.hidden = false;
    this.cameras = list;
    this.cameraSelect.innerHTML = list.cameras
      .map(
        (c) =>
          `<option value="${c.index}">${c.name} (${c.state === "live" ? `${c.settings.width}×${c.settings.height}` : c.state})</option>`,
      )
      .join("");
    this.cameraSelect.value = String(this.camera);
    this.deps.tiltServo?.(list.cameras.some((c) => c.tiltServo === true));
    this.showQuality();
    if (!this.available) return; // keep saying why this browser cannot decode
    const cam = list.cameras.find((c) => c.index === this.camera);
    this.message.textContent =
      list.cameras.length === 0
        ? "The vehicle has no camera."
        : cam === undefined
          ? `The vehicle has no camera ${this.camera}.`
          : cam.state === "live"
            ? ""
            : `Camera ${cam.name}: ${cam.state}${cam.code ? ` (${cam.code})` : ""}`;
  }

  private resetDecoder(): void {
    this.gate.restart();
    this.inFlight.clear();
    if (this.decoder !== undefined && this.decoder.state !== "closed") this.decoder.close();
    this.decoder = undefined;
    this.codec = "";
  }

  private ensureDecoder(): VideoDecoder {
    if (this.decoder === undefined || this.decoder.state === "closed") {
      this.decoder = new VideoDecoder({
        output: (frame) => this.output(frame),
        error: () => {
          this.stats.errors++;
          this.resetDecoder();
        },
      });
      this.codec = "";
    }
    return this.decoder;
  }

  private accessUnit(msg: Uint8Array): void {
    if (!this.available || this.watchKey === "") return;
    const h = readAuHeader(msg, this.header);
    if (h.camera !== this.camera) return;
    const au = msg.subarray(AU_HEADER_BYTES);
    const decoder = this.ensureDecoder();
    if (!this.gate.accept(h.keyframe, decoder.decodeQueueSize)) {
      this.stats.dropped++;
      // Caught up and only waiting for a keyframe: ask (a decoder still behind would only fall
      // further behind on a keyframe).
      if (decoder.decodeQueueSize <= 1) this.askKeyframe(h.camera);
      return;
    }
    if (h.keyframe) {
      const info = analyseAccessUnit(au);
      if (info.codec !== undefined && info.codec !== this.codec) {
        decoder.configure({ codec: info.codec, optimizeForLatency: true });
        this.codec = info.codec;
      }
    }
    if (this.codec === "") {
      this.gate.restart();
      return;
    }
    const timestamp = Math.round(h.captureMicros);
    if (this.inFlight.size > 64) this.inFlight.clear();
    this.inFlight.set(timestamp, {
      sent: h.sentMicros / 1000,
      hub: h.hubMicros / 1000,
      received: performance.timeOrigin + this.deps.now(),
    });
    decoder.decode(new EncodedVideoChunk({ type: h.keyframe ? "key" : "delta", timestamp, data: au }));
  }

  /**
   * The decoder waits for a keyframe (it fell behind, or failed): ask the hub for one rather
   * than wait out the group (at most every 500 ms; the hub rate-limits per camera too).
   */
  private askKeyframe(camera: number): void {
    const now = this.deps.now();
    if (now - this.lastKeyframeRequestAt < 500) return;
    writeKeyframeRequest(this.keyframeRequest, camera);
    if (this.deps.send(this.keyframeRequest)) this.lastKeyframeRequestAt = now;
  }

  private output(frame: VideoFrame): void {
    const now = this.deps.now();
    const w = frame.displayWidth;
    const h = frame.displayHeight;
    if (this.video.width !== w || this.video.height !== h) {
      this.video.width = w;
      this.video.height = h;
    }
    (this.video.getContext("2d") as CanvasRenderingContext2D).drawImage(frame, 0, 0, w, h);
    const t = this.inFlight.get(frame.timestamp);
    this.inFlight.delete(frame.timestamp);
    frame.close();
    const decoded = performance.timeOrigin + now;
    this.stats.frame(
      {
        capture: frame.timestamp / 1000,
        sent: t?.sent ?? decoded,
        hub: t?.hub ?? decoded,
        received: t?.received ?? decoded,
        decoded,
      },
      now,
    );
  }

  private drawHud(t: Telemetry | undefined, stale: boolean): void {
    const tilt = this.cameras.cameras.find((c) => c.index === this.camera)?.tiltDeg ?? 0;
    const key =
      t === undefined
        ? `none|${stale}`
        : `${t.heading?.toFixed(0)}|${t.depth?.toFixed(1)}|${t.pitch?.toFixed(0)}|${t.roll?.toFixed(0)}|${t.armed}|${stale}|${tilt.toFixed(0)}`;
    if (key === this.hudKey) return;
    this.hudKey = key;
    const c = this.hud;
    const ctx = c.getContext("2d") as CanvasRenderingContext2D;
    ctx.clearRect(0, 0, c.width, c.height);
    if (t === undefined) return;
    const W = c.width;
    const H = c.height;
    ctx.globalAlpha = stale ? 0.4 : 1;
    ctx.strokeStyle = "#7CFC00";
    ctx.fillStyle = "#7CFC00";
    ctx.lineWidth = 2;
    ctx.font = "bold 16px system-ui, sans-serif";
    ctx.textAlign = "center";
    // Attitude line: where the horizon is, by the vehicle's attitude and the camera's tilt, for
    // an 80° horizontal field of view (the simulated camera's; a common ROV lens's); none when
    // the camera looks away from it.
    const line =
      t.pitch === null || t.roll === null ? undefined : horizonLine(W, H, { pitch: t.pitch, roll: t.roll }, tilt);
    if (line !== undefined) {
      const dx = Math.cos(line.angle) * W * 0.18;
      const dy = Math.sin(line.angle) * W * 0.18;
      ctx.beginPath();
      ctx.moveTo(line.cx - dx, line.cy - dy);
      ctx.lineTo(line.cx - dx * 0.3, line.cy - dy * 0.3);
      ctx.moveTo(line.cx + dx * 0.3, line.cy + dy * 0.3);
      ctx.lineTo(line.cx + dx, line.cy + dy);
      ctx.stroke();
    }
    ctx.beginPath();
    ctx.arc(W / 2, H / 2, 4, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.fillText(t.heading === null ? "HDG —" : `HDG ${Math.round(t.heading).toString().padStart(3, "0")}°`, W / 2, 22);
    ctx.textAlign = "right";
    ctx.fillText(t.depth === null ? "DEPTH —" : `DEPTH ${t.depth.toFixed(1)} m`, W - 10, H / 2);
    ctx.textAlign = "left";
    ctx.fillStyle = t.armed ? "#ff5050" : "#7CFC00";
    ctx.fillText(t.armed ? "ARMED" : "DISARMED", 10, H - 40);
    ctx.globalAlpha = 1;
  }
}
