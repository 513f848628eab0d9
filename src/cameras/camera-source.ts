import { type ChildProcess, spawn as nodeSpawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { Backoff, type BackoffOptions } from "../kernel/backoff.ts";
import type { Clock, Timer } from "../kernel/clock.ts";
import { AnnexBSplitter, analyseAccessUnit } from "../video/annexb.ts";
import { VideoCodes } from "../video/codes.ts";
import { FlvDemuxer } from "../video/flv.ts";
import type { ScenePose } from "../video/scene.ts";
import { type CameraSettings, sameSettings } from "../video/wire.ts";
import { type CameraSpec, cameraCommand } from "./commands.ts";
import { lowerPriority } from "./priority.ts";
import { SimEncoder } from "./sim-encoder.ts";

/**
 * One camera on the vehicle: its program as a child process (ffmpeg for a UVC camera or the
 * simulated one, rpicam-vid for the Raspberry Pi camera), its stdout cut into H.264 access
 * units, and its life: a program that exits or stalls is restarted with backoff, a missing
 * device or program is a `state` event ("missing", VIDEO_SOURCE_MISSING) retried the same way
 * — never a crash. The simulated camera renders, feeds its encoder and reads it back in a
 * worker thread (sim-encoder.ts, render-worker.ts), so the agent's loop never waits on a frame;
 * this thread only passes it the viewpoint from `pose()` at the frame rate. The worker is the
 * simulated camera's "program": one that dies is restarted and reported the same way.
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
  /** Starts the program of a real camera (tests inject a fake). */
  spawn?: (program: string, args: string[], rawInput: boolean) => ChildProcess;
  /** Least time between two keyframe requests passed to the encoder (default 250 ms). */
  minKeyframeGapMs?: number;
  /** Tests: extra busy time per simulated frame in the render worker, ms (a slow board). */
  renderCostMs?: number;
  /**
   * Least time between two restarts for new settings (default 1000 ms): requests within it wait
   * for its end and the latest wins, so a stream of settings is not a stream of restarts.
   */
  minReconfigureGapMs?: number;
  /**
   * Niceness of the camera's program (and of the simulated camera's render thread), 0–19:
   * video yields the CPU to the control path on a busy board. Default 0 (unchanged); the
   * vehicle passes `[vehicle.video] nice`.
   */
  nice?: number;
  /** Tests: shared Int32 counters, see RenderWorkerData.probe. */
  renderProbe?: SharedArrayBuffer;
  /** Whether a device path exists (tests inject). */
  deviceExists?: (path: string) => boolean;
}

/** A camera's program: a child process, or the simulated camera's worker (same life). */
type CameraProcess = ChildProcess | SimEncoder;

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
  /** Keyframe requests passed to the encoder. */
  keyframeRequests = 0;
  private readonly o: CameraSourceOptions;
  private readonly backoff: Backoff;
  private child: CameraProcess | undefined;
  private retry: Timer | undefined;
  private watchdog: Timer | undefined;
  /** Passes the simulated camera's viewpoint to its worker. */
  private poseTicker: Timer | undefined;
  private lastKeyframeRequest = Number.NEGATIVE_INFINITY;
  private lastOutputAt = 0;
  private width = 0;
  private height = 0;
  private stderrTail = "";
  private stopped = true;
  private exitWaiters: (() => void)[] = [];
  /** A restart for new settings is under way (the old program is ending) or waiting for its gap. */
  private restartNow = false;
  private reconfigureTimer: Timer | undefined;
  private lastReconfigureAt = Number.NEGATIVE_INFINITY;

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

  /**
   * New picture size, rate or bitrate: the program restarts with them — at once, or at the end of
   * `minReconfigureGapMs` after the last such restart, with the latest settings asked for by
   * then. The same settings again change nothing. A camera not running (missing, waiting to
   * retry) takes them at its next start. Returns whether the settings changed.
   */
  reconfigure(settings: CameraSettings): boolean {
    if (sameSettings(this.spec.settings, settings)) return false;
    this.spec.settings = { ...settings };
    // Already restarting for settings (ending, or waiting for the gap): the relaunch reads spec.
    if (this.child === undefined || this.restartNow || this.reconfigureTimer !== undefined) return true;
    const wait = this.lastReconfigureAt + (this.o.minReconfigureGapMs ?? 1000) - this.o.clock.now();
    if (wait > 0) {
      this.reconfigureTimer = this.o.clock.setTimer(wait, () => {
        this.reconfigureTimer = undefined;
        this.restartForSettings();
      });
    } else this.restartForSettings();
    return true;
  }

  private restartForSettings(): void {
    if (this.stopped || this.child === undefined || this.restartNow) return;
    this.lastReconfigureAt = this.o.clock.now();
    this.restartNow = true;
    this.terminate(this.child);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retry?.cancel();
    this.watchdog?.cancel();
    this.reconfigureTimer?.cancel();
    this.reconfigureTimer = undefined;
    this.poseTicker?.cancel();
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
  private terminate(child: CameraProcess): void {
    if (!(child instanceof SimEncoder)) child.stdin?.destroy(); // the worker closes its encoder's input itself
    child.kill("SIGTERM");
    const kill = this.o.clock.setTimer(this.o.killAfterMs ?? 2000, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    if (child instanceof SimEncoder) child.once("close", () => kill.cancel());
    else child.once("close", () => kill.cancel());
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
    const max = this.o.maxAccessUnit ?? 4 * 1024 * 1024;
    let child: CameraProcess;
    try {
      child = cmd.rawInput
        ? this.startSim(cmd.program, cmd.args, max)
        : (this.o.spawn ?? defaultSpawn)(cmd.program, cmd.args, cmd.rawInput);
    } catch (err) {
      this.fail(VideoCodes.SOURCE_MISSING, `${cmd.program} could not start: ${(err as Error).message}`);
      this.scheduleRetry();
      return;
    }
    if (!(child instanceof SimEncoder) && child.pid !== undefined) lowerPriority(child.pid, this.o.nice);
    this.child = child;
    this.lastOutputAt = this.o.clock.now();
    this.stderrTail = "";
    let missing = false;
    const onError = (err: NodeJS.ErrnoException) => {
      missing = err.code === "ENOENT";
      this.stderrTail = err.message;
    };
    const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
      if (this.child === child) this.child = undefined;
      this.poseTicker?.cancel();
      for (const w of this.exitWaiters.splice(0)) w();
      if (this.stopped) return;
      const tail = child instanceof SimEncoder ? child.stderrTail || this.stderrTail : this.stderrTail;
      if (missing) this.fail(VideoCodes.SOURCE_MISSING, `${cmd.program} not found`);
      // A fault already reported for this run (stalled, bad output) is the reason, not the exit.
      else if (this.state !== "restarting")
        this.fail(
          VideoCodes.SOURCE_EXITED,
          `${cmd.program} exited (${signal ?? code})${tail ? `: ${tail.trim()}` : ""}`,
        );
      this.restarts++;
      this.scheduleRetry();
    };
    if (child instanceof SimEncoder) {
      child.on("error", onError);
      child.on("close", onClose);
      child.on("au", (au, keyframe, capture) => this.accessUnit(au, keyframe, capture));
      child.on("skipped", () => this.framesSkipped++);
      child.on("fault", (code) => this.fail(code, `${cmd.program} output is not usable H.264 FLV`));
      return;
    }
    const proc = child;
    proc.on("error", onError);
    proc.on("close", onClose);
    proc.stderr?.on("data", (c: Buffer) => {
      this.stderrTail = (this.stderrTail + c.toString("utf8")).slice(-400);
    });
    const onAu = (au: Uint8Array, keyframe: boolean) => this.accessUnit(au, keyframe);
    if (cmd.output === "flv") {
      const demux = new FlvDemuxer(max);
      proc.stdout?.on("data", (c: Buffer) => {
        if (demux.fault !== undefined) return;
        demux.push(c, (au, key) => onAu(au, key));
        if (demux.fault !== undefined) {
          this.fail(demux.fault, `${cmd.program} output is not usable H.264 FLV`);
          proc.kill("SIGKILL");
        }
      });
    } else {
      const split = new AnnexBSplitter({ maxAccessUnit: max });
      proc.stdout?.on("data", (c: Buffer) => split.push(c, (au) => onAu(au, analyseAccessUnit(au).keyframe)));
    }
  }

  /**
   * The simulated camera: a worker thread renders, feeds the encoder and demuxes its output
   * (sim-encoder.ts); this thread keeps its viewpoint current, at the frame rate.
   */
  private startSim(program: string, args: string[], maxAccessUnit: number): SimEncoder {
    const s = this.spec.settings;
    const encoder = new SimEncoder({
      program,
      args,
      width: s.width,
      height: s.height,
      fps: s.fps,
      maxAccessUnit,
      renderCostMs: this.o.renderCostMs,
      probe: this.o.renderProbe,
      nice: this.o.nice,
      tiltDeg: this.spec.tiltDeg,
    });
    const pose = this.o.pose ?? (() => ({ heading: 0, pitch: 0, roll: 0, depth: 0 }));
    encoder.setPose(pose());
    this.poseTicker = this.o.clock.setInterval(1000 / s.fps, () => encoder.setPose(pose()));
    return encoder;
  }

  /**
   * Asks the camera for a keyframe now (a browser joined or fell behind). Only the simulated
   * camera can honour it (render-worker.ts); at most one per `minKeyframeGapMs`, and none while
   * a restart is under way. Returns whether it was passed on.
   */
  requestKeyframe(): boolean {
    const child = this.child;
    if (!(child instanceof SimEncoder) || this.state !== "live") return false;
    const now = this.o.clock.now();
    if (now - this.lastKeyframeRequest < (this.o.minKeyframeGapMs ?? 250)) return false;
    this.lastKeyframeRequest = now;
    this.keyframeRequests++;
    child.requestKeyframe();
    return true;
  }

  /** Process ids of the camera's program now: the child, or the simulated camera's encoders. */
  get programPids(): readonly number[] {
    const c = this.child;
    if (c === undefined) return [];
    if (c instanceof SimEncoder) return c.encoderPids;
    return c.pid === undefined ? [] : [c.pid];
  }

  /** The simulated camera's worker thread, while one runs (tests). */
  get renderWorker(): SimEncoder["worker"] | undefined {
    return this.child instanceof SimEncoder ? this.child.worker : undefined;
  }

  private accessUnit(au: Uint8Array, keyframe: boolean, captureMicros?: number): void {
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
    const capture = captureMicros ?? now;
    this.emit("frame", {
      au,
      keyframe,
      width: this.width || this.spec.settings.width,
      height: this.height || this.spec.settings.height,
      captureMicros: Math.min(capture, now),
      outputMicros: now,
    });
  }
}
