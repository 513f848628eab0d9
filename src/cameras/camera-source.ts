import { type ChildProcess, spawn as nodeSpawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { Backoff, type BackoffOptions } from "../kernel/backoff.ts";
import type { Clock, Timer } from "../kernel/clock.ts";
import { AnnexBSplitter, analyseAccessUnit } from "../video/annexb.ts";
import { VideoCodes } from "../video/codes.ts";
import { FlvDemuxer } from "../video/flv.ts";
import { type ScenePose, SceneRenderer } from "../video/scene.ts";
import type { CameraSettings } from "../video/wire.ts";
import { type CameraSpec, cameraCommand } from "./commands.ts";

/**
 * One camera on the vehicle: its program as a child process (ffmpeg for a UVC camera or the
 * simulated one, rpicam-vid for the Raspberry Pi camera), its stdout cut into H.264 access
 * units, and its life: a program that exits or stalls is restarted with backoff, a missing
 * device or program is a `state` event ("missing", VIDEO_SOURCE_MISSING) retried the same way
 * — never a crash. The simulated camera also feeds the encoder: at the frame rate it renders
 * the scene from `pose()` into one of two reused I420 buffers (the other may still be in the
 * pipe) and writes it to ffmpeg's stdin, skipping a frame while a whole frame is still
 * unwritten (the encoder is behind), never queueing more.
 */
export type CameraState = "starting" | "live" | "restarting" | "missing" | "stopped";

export interface CameraFrame {
  /** Annex B access unit: a view, valid during the `frame` event only. */
  au: Uint8Array;
  keyframe: boolean;
  width: number;
  height: number;
  /** When the picture was taken (simulated: rendered), µs since the epoch; else when it came out. */
  captureMicros: number;
  /** When the source output it, µs since the epoch. */
  outputMicros: number;
}

export interface CameraSourceEvents {
  frame: [frame: CameraFrame];
  state: [state: CameraState, code: string, message: string];
}

export interface CameraSourceOptions {
  spec: CameraSpec;
  clock: Clock;
  /** The simulated camera's viewpoint (heading, pitch, roll, depth), read for every frame. */
  pose?: () => ScenePose;
  backoff?: Partial<BackoffOptions>;
  /** No frame for this long after starting or since the last one: the program is restarted. */
  stallMs?: number;
  /** A program still running this long after SIGTERM is killed (default 2000 ms). */
  killAfterMs?: number;
  /** Largest access unit accepted, bytes. */
  maxAccessUnit?: number;
  /** Starts the program (tests inject a fake). */
  spawn?: (program: string, args: string[], rawInput: boolean) => ChildProcess;
  /** Whether a device path exists (tests inject). */
  deviceExists?: (path: string) => boolean;
}

const defaultSpawn = (program: string, args: string[], rawInput: boolean): ChildProcess =>
  nodeSpawn(program, args, { stdio: [rawInput ? "pipe" : "ignore", "pipe", "pipe"] });

export class CameraSource extends EventEmitter<CameraSourceEvents> {
  readonly spec: CameraSpec;
  state: CameraState = "stopped";
  /** Why the camera is not live (a code), or "". */
  code = "";
  restarts = 0;
  framesOut = 0;
  /** Simulated frames not rendered because the encoder had not taken the previous one. */
  framesSkipped = 0;
  private readonly o: CameraSourceOptions;
  private readonly backoff: Backoff;
  private child: ChildProcess | undefined;
  private retry: Timer | undefined;
  private watchdog: Timer | undefined;
  private ticker: Timer | undefined;
  /** Two renderers, used in turn: one frame may be in the pipe while the next is drawn. */
  private renderers: [SceneRenderer, SceneRenderer] | undefined;
  private flip = 0;
  private lastOutputAt = 0;
  private width = 0;
  private height = 0;
  /** Render times of simulated frames written and not yet out of the encoder, oldest first. */
  private readonly pendingCaptures: number[] = [];
  private stderrTail = "";
  private stopped = true;
  private exitWaiters: (() => void)[] = [];

  constructor(o: CameraSourceOptions) {
    super();
    this.o = o;
    this.spec = { ...o.spec, settings: { ...o.spec.settings } };
    this.backoff = new Backoff({ initialMs: 500, maxMs: 10_000, ...o.backoff });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const stallMs = this.o.stallMs ?? 5000;
    this.watchdog = this.o.clock.setInterval(Math.max(50, stallMs / 4), () => {
      if (this.child !== undefined && this.o.clock.now() - this.lastOutputAt > stallMs) {
        this.fail(VideoCodes.SOURCE_STALLED, `no frame for ${stallMs} ms`);
        this.child.kill("SIGKILL");
      }
    });
    this.launch();
  }

  /** New picture size, rate or bitrate: the program restarts with them at once. */
  reconfigure(settings: CameraSettings): void {
    this.spec.settings = { ...settings };
    this.renderers = undefined;
    if (this.child !== undefined) {
      this.restartNow = true;
      this.terminate(this.child);
    }
  }

  private restartNow = false;

  async stop(): Promise<void> {
    this.stopped = true;
    this.retry?.cancel();
    this.watchdog?.cancel();
    this.ticker?.cancel();
    const child = this.child;
    this.setState("stopped", "", "stopped");
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    this.terminate(child);
    await exited;
  }

  /**
   * Ends a camera program: its input closed first (an encoder blocked reading a raw-video pipe
   * does not act on SIGTERM until its read returns), then SIGTERM, then SIGKILL if it has not
   * exited within `killAfterMs`.
   */
  private terminate(child: ChildProcess): void {
    child.stdin?.destroy();
    child.kill("SIGTERM");
    const kill = this.o.clock.setTimer(this.o.killAfterMs ?? 2000, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    child.once("close", () => kill.cancel());
  }

  private setState(state: CameraState, code: string, message: string): void {
    const changed = state !== this.state || code !== this.code;
    this.state = state;
    this.code = code;
    if (changed) this.emit("state", state, code, message);
  }

  private fail(code: string, message: string): void {
    if (this.stopped) return;
    this.setState(code === VideoCodes.SOURCE_MISSING ? "missing" : "restarting", code, message);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = this.restartNow ? 0 : this.backoff.next();
    this.restartNow = false;
    this.retry = this.o.clock.setTimer(delay, () => this.launch());
  }

  private launch(): void {
    if (this.stopped) return;
    const spec = this.spec;
    if (spec.kind === "uvc" && !(this.o.deviceExists ?? existsSync)(spec.device)) {
      this.fail(VideoCodes.SOURCE_MISSING, `camera device ${spec.device} not found`);
      this.scheduleRetry();
      return;
    }
    const cmd = cameraCommand(spec);
    this.setState("starting", this.code, `starting ${cmd.program}`);
    let child: ChildProcess;
    try {
      child = (this.o.spawn ?? defaultSpawn)(cmd.program, cmd.args, cmd.rawInput);
    } catch (err) {
      this.fail(VideoCodes.SOURCE_MISSING, `${cmd.program} could not start: ${(err as Error).message}`);
      this.scheduleRetry();
      return;
    }
    this.child = child;
    this.lastOutputAt = this.o.clock.now();
    this.pendingCaptures.length = 0;
    this.stderrTail = "";
    const max = this.o.maxAccessUnit ?? 4 * 1024 * 1024;
    let missing = false;
    child.on("error", (err: NodeJS.ErrnoException) => {
      missing = err.code === "ENOENT";
      this.stderrTail = err.message;
    });
    child.stderr?.on("data", (c: Buffer) => {
      this.stderrTail = (this.stderrTail + c.toString("utf8")).slice(-400);
    });
    const onAu = (au: Uint8Array, keyframe: boolean) => this.accessUnit(au, keyframe);
    if (cmd.output === "flv") {
      const demux = new FlvDemuxer(max);
      child.stdout?.on("data", (c: Buffer) => {
        if (demux.fault !== undefined) return;
        demux.push(c, (au, key) => onAu(au, key));
        if (demux.fault !== undefined) {
          this.fail(demux.fault, `${cmd.program} output is not usable H.264 FLV`);
          child.kill("SIGKILL");
        }
      });
    } else {
      const split = new AnnexBSplitter({ maxAccessUnit: max });
      child.stdout?.on("data", (c: Buffer) => split.push(c, (au) => onAu(au, analyseAccessUnit(au).keyframe)));
    }
    child.stdin?.on("error", () => {}); // EPIPE when the encoder dies: its exit is handled below
    child.on("close", (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.ticker?.cancel();
      for (const w of this.exitWaiters.splice(0)) w();
      if (this.stopped) return;
      if (missing) this.fail(VideoCodes.SOURCE_MISSING, `${cmd.program} not found`);
      else if (this.code !== VideoCodes.SOURCE_STALLED || this.state !== "restarting")
        this.fail(
          VideoCodes.SOURCE_EXITED,
          `${cmd.program} exited (${signal ?? code})${this.stderrTail ? `: ${this.stderrTail.trim()}` : ""}`,
        );
      this.restarts++;
      this.scheduleRetry();
    });
    if (cmd.rawInput) this.startRendering(child);
  }

  private startRendering(child: ChildProcess): void {
    const s = this.spec.settings;
    this.renderers ??= [
      new SceneRenderer({ width: s.width, height: s.height }),
      new SceneRenderer({ width: s.width, height: s.height }),
    ];
    const renderers = this.renderers;
    const frameBytes = renderers[0].frame.length;
    const stdin = child.stdin;
    if (stdin === null || stdin === undefined) return;
    const pose = this.o.pose ?? (() => ({ heading: 0, pitch: 0, roll: 0, depth: 0 }));
    this.ticker = this.o.clock.setInterval(1000 / s.fps, () => {
      // More than the other buffer's frame still unwritten: the encoder is behind.
      if (!stdin.writable || stdin.writableLength > frameBytes) {
        this.framesSkipped++;
        return;
      }
      const now = this.o.clock.wallMicros();
      this.flip ^= 1;
      stdin.write((renderers[this.flip] as SceneRenderer).render(pose(), now));
      this.pendingCaptures.push(now);
      if (this.pendingCaptures.length > 16) this.pendingCaptures.shift();
    });
  }

  private accessUnit(au: Uint8Array, keyframe: boolean): void {
    if (this.stopped) return;
    const now = this.o.clock.wallMicros();
    this.lastOutputAt = this.o.clock.now();
    if (keyframe) {
      const info = analyseAccessUnit(au);
      if (info.sps !== undefined) {
        this.width = info.sps.width;
        this.height = info.sps.height;
      }
    }
    if (this.state !== "live") {
      this.backoff.reset();
      this.setState("live", "", "live");
    }
    this.framesOut++;
    const capture = this.spec.kind === "sim" ? (this.pendingCaptures.shift() ?? now) : now;
    this.emit("frame", {
      au,
      keyframe,
      width: this.width || this.spec.settings.width,
      height: this.height || this.spec.settings.height,
      captureMicros: capture,
      outputMicros: now,
    });
  }
}
