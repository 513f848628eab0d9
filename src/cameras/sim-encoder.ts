import { EventEmitter } from "node:events";
import { Worker } from "node:worker_threads";
import type { ScenePose } from "../video/scene.ts";
import type { MainToWorker, RenderWorkerData, WorkerToMain } from "./render-worker.ts";

/**
 * The simulated camera's encoder as the camera source sees it: a worker thread
 * (render-worker.ts) that renders, feeds ffmpeg and demuxes its output, behaving like the child
 * process of a real camera — it emits access units, `error` when the program cannot start,
 * `close` when it ended (the worker thread gone too), and takes `kill(signal)`. The viewpoint
 * goes to the worker through shared memory (`setPose`, a seqlock: no message, no allocation);
 * rendered frames never leave the worker. A worker that dies is a `close` like an encoder's
 * exit: the camera source restarts it with backoff and reports it, the agent goes on.
 */
export interface SimEncoderEvents {
  au: [au: Uint8Array, keyframe: boolean, captureMicros: number];
  fault: [code: string];
  error: [err: NodeJS.ErrnoException];
  close: [code: number | null, signal: NodeJS.Signals | null];
  skipped: [];
}

/** The worker's file: beside this module from the sources, beside the bundle in a build. */
export const RENDER_WORKER_BUNDLE_FILE = "camera-render-worker.mjs";

export function renderWorkerUrl(): URL {
  return import.meta.url.endsWith(".ts")
    ? new URL("./render-worker.ts", import.meta.url)
    : new URL(`./${RENDER_WORKER_BUNDLE_FILE}`, import.meta.url);
}

/** What the worker is given, but the pose buffer, which the encoder makes and writes. */
export type SimEncoderOptions = Omit<RenderWorkerData, "pose" | "renderCostMs" | "probe" | "nice" | "tiltDeg"> & {
  nice?: number | undefined;
  tiltDeg?: number | undefined;
  renderCostMs?: number | undefined;
  probe?: SharedArrayBuffer | undefined;
};

export class SimEncoder extends EventEmitter<SimEncoderEvents> {
  readonly worker: Worker;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  /** The end of the encoder's stderr (or why the worker died), once it has ended. */
  stderrTail = "";
  private readonly poseSeq: Int32Array;
  private readonly poseValues: Float64Array;
  /** Encoder processes of this worker still running (a last-resort SIGKILL reaches them). */
  private readonly pids = new Set<number>();
  private ended = false;

  /** Encoder processes of this worker running now (the active one and its standby). */
  get encoderPids(): readonly number[] {
    return [...this.pids];
  }

  constructor(o: SimEncoderOptions) {
    super();
    const pose = new SharedArrayBuffer(8 + 5 * 8);
    this.poseSeq = new Int32Array(pose, 0, 1);
    this.poseValues = new Float64Array(pose, 8, 5);
    const data: RenderWorkerData = {
      program: o.program,
      args: o.args,
      width: o.width,
      height: o.height,
      fps: o.fps,
      maxAccessUnit: o.maxAccessUnit,
      pose,
      ...(o.nice === undefined ? {} : { nice: o.nice }),
      ...(o.tiltDeg === undefined ? {} : { tiltDeg: o.tiltDeg }),
      ...(o.renderCostMs === undefined ? {} : { renderCostMs: o.renderCostMs }),
      ...(o.probe === undefined ? {} : { probe: o.probe }),
    };
    this.worker = new Worker(renderWorkerUrl(), { workerData: data, stdout: false, stderr: false });
    this.worker.on("message", (m: WorkerToMain) => this.message(m));
    this.worker.on("error", (err) => {
      this.stderrTail ||= `render worker failed: ${err.message}`;
    });
    this.worker.on("exit", (code) => {
      // Whatever ended it, no encoder of this worker outlives it.
      for (const pid of this.pids) killQuietly(pid);
      this.pids.clear();
      if (!this.ended) {
        this.ended = true;
        this.stderrTail ||= `render worker exited (${code})`;
      }
      this.emit("close", this.exitCode, this.signalCode);
    });
  }

  /** The viewpoint of the next frames (shared memory, read by the worker at each frame). */
  setPose(p: ScenePose): void {
    Atomics.add(this.poseSeq, 0, 1);
    this.poseValues[0] = p.heading;
    this.poseValues[1] = p.pitch;
    this.poseValues[2] = p.roll;
    this.poseValues[3] = p.depth;
    this.poseValues[4] = p.tilt ?? 0;
    Atomics.add(this.poseSeq, 0, 1);
  }

  /** Asks for an IDR as soon as possible (see render-worker.ts). */
  requestKeyframe(): void {
    this.post({ t: "keyframe" });
  }

  /** SIGTERM: the encoders are asked to end; SIGKILL: they are killed and the worker ended. */
  kill(signal: NodeJS.Signals = "SIGTERM"): boolean {
    this.post({ t: "kill", signal });
    if (signal === "SIGKILL") {
      for (const pid of this.pids) killQuietly(pid);
      void this.worker.terminate();
    }
    return true;
  }

  private post(m: MainToWorker): void {
    if (!this.ended) this.worker.postMessage(m);
  }

  private message(m: WorkerToMain): void {
    switch (m.t) {
      case "au":
        this.emit("au", m.au, m.keyframe, m.capture);
        break;
      case "spawned":
        this.pids.add(m.pid);
        break;
      case "closed":
        this.pids.delete(m.pid);
        break;
      case "skipped":
        this.emit("skipped");
        break;
      case "fault":
        this.emit("fault", m.code);
        break;
      case "error": {
        const err = new Error(m.message) as NodeJS.ErrnoException;
        err.code = m.code;
        this.emit("error", err);
        break;
      }
      case "exit":
        this.ended = true;
        this.exitCode = m.code;
        this.signalCode = m.signal as NodeJS.Signals | null;
        this.stderrTail = m.stderr;
        void this.worker.terminate();
        break;
    }
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
