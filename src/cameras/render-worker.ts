/**
 * The simulated camera's worker thread (started by sim-encoder.ts): everything a simulated
 * frame costs happens here, off the agent's event loop — rendering the scene into one of two
 * reused I420 buffers, writing it to the encoder's stdin, and reading the encoder's FLV output
 * back into access units. The agent's thread only sees finished access units (one message
 * each, the bytes transferred, not copied) and keeps the viewpoint current in shared memory.
 *
 * Keyframes on request: ffmpeg's command-line encoder cannot be told to make an IDR while it
 * runs, so the worker keeps a second encoder process started and idle (blocked reading its
 * empty input). A request switches the frames to that one — its first picture is an IDR with
 * SPS and PPS — and closes the old encoder's input, which flushes the frame it still holds and
 * exits. The old encoder's output is passed on until the new one's first frame, so no picture
 * is lost or out of order; then a fresh standby is started.
 *
 * Messages to the agent's thread: `spawned` and `closed` (an encoder's pid), `au` (Annex B bytes, keyframe, capture
 * time), `fault` (the output is not H.264 FLV: a code), `error` (the program could not start),
 * `exit` (the active encoder ended: code, signal, the end of its stderr). From it: `kill`
 * (signal), `keyframe`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { parentPort, workerData } from "node:worker_threads";
import { FlvDemuxer } from "../video/flv.ts";
import { SceneRenderer } from "../video/scene.ts";
import { lowerPriority } from "./priority.ts";

export interface RenderWorkerData {
  program: string;
  args: string[];
  width: number;
  height: number;
  fps: number;
  maxAccessUnit: number;
  /** Pose, shared: Int32 sequence (odd while being written), then five f64 at byte 8 (heading, pitch, roll, depth, tilt). */
  pose: SharedArrayBuffer;
  /** Tests: extra busy time per rendered frame, ms (a slow board). */
  renderCostMs?: number;
  /** The camera's tilt on the vehicle, degrees, up positive. */
  tiltDeg?: number;
  /** Niceness of this thread and of its encoders (0–19; camera-source.ts `nice`). */
  nice?: number;
  /** Tests: Int32 [0] is advanced by the agent's thread; the worker adds to [1] how far it moved during each render. */
  probe?: SharedArrayBuffer;
}

export type WorkerToMain =
  | { t: "spawned"; pid: number }
  | { t: "au"; au: Uint8Array; keyframe: boolean; capture: number }
  | { t: "fault"; code: string }
  | { t: "error"; code: string; message: string }
  | { t: "exit"; code: number | null; signal: string | null; stderr: string }
  | { t: "closed"; pid: number }
  | { t: "skipped" };

export type MainToWorker = { t: "kill"; signal: NodeJS.Signals } | { t: "keyframe" };

interface Encoder {
  child: ChildProcess;
  demux: FlvDemuxer;
  /** Render times of frames written and not yet out, oldest first (bounded). */
  captures: number[];
  stderr: string;
  /** Has output a frame. */
  started: boolean;
  /** Its input closed after a switch: its output counts only until the new one starts. */
  retiring: boolean;
  closed: boolean;
}

const port = parentPort;
if (port !== null) run(workerData as RenderWorkerData, port);

function run(d: RenderWorkerData, port: NonNullable<typeof parentPort>): void {
  lowerPriority(0, d.nice); // this thread: rendering yields to the agent's event loop
  const post = (m: WorkerToMain, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const wallMicros = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
  const scene = { width: d.width, height: d.height, ...(d.tiltDeg === undefined ? {} : { tiltDeg: d.tiltDeg }) };
  const renderers = [new SceneRenderer(scene), new SceneRenderer(scene)] as const;
  const frameBytes = renderers[0].frame.length;
  const seq = new Int32Array(d.pose, 0, 1);
  const values = new Float64Array(d.pose, 8, 5);
  const pose = { heading: 0, pitch: 0, roll: 0, depth: 0, tilt: 0 };
  const probe = d.probe === undefined ? undefined : new Int32Array(d.probe);
  let flip = 0;
  let active: Encoder | undefined;
  let standby: Encoder | undefined;
  let stopping = false;
  let ticker: ReturnType<typeof setInterval> | undefined;

  const readPose = (): void => {
    // Seqlock: retry while the agent's thread is writing (odd) or wrote meanwhile.
    for (let tries = 0; tries < 4; tries++) {
      const s0 = Atomics.load(seq, 0);
      if ((s0 & 1) === 1) continue;
      const h = values[0] as number;
      const p = values[1] as number;
      const r = values[2] as number;
      const z = values[3] as number;
      const t = values[4] as number;
      if (Atomics.load(seq, 0) !== s0) continue;
      pose.heading = h;
      pose.pitch = p;
      pose.roll = r;
      pose.depth = z;
      pose.tilt = t;
      return;
    }
  };

  const startEncoder = (): Encoder => {
    const child = spawn(d.program, d.args, { stdio: ["pipe", "pipe", "pipe"] });
    const e: Encoder = {
      child,
      demux: new FlvDemuxer(d.maxAccessUnit),
      captures: [],
      stderr: "",
      started: false,
      retiring: false,
      closed: false,
    };
    if (child.pid !== undefined) {
      lowerPriority(child.pid, d.nice);
      post({ t: "spawned", pid: child.pid });
    }
    child.on("error", (err: NodeJS.ErrnoException) => {
      e.stderr = err.message;
      if (e === active) post({ t: "error", code: err.code ?? "", message: err.message });
    });
    child.stdin?.on("error", () => {}); // EPIPE when the encoder dies: its exit is handled below
    child.stderr?.on("data", (c: Buffer) => {
      e.stderr = (e.stderr + c.toString("utf8")).slice(-400);
    });
    child.stdout?.on("data", (c: Buffer) => {
      if (e.demux.fault !== undefined) return;
      e.demux.push(c, (au, keyframe) => output(e, au, keyframe));
      if (e.demux.fault !== undefined) {
        if (e === active) post({ t: "fault", code: e.demux.fault });
        child.kill("SIGKILL");
      }
    });
    child.on("close", (code, signal) => {
      e.closed = true;
      if (child.pid !== undefined) post({ t: "closed", pid: child.pid });
      if (e === standby) standby = undefined;
      if (e !== active) return; // a retired or standby encoder: not the camera's end
      // The camera's encoder ended: the standby goes too, and the agent's thread ends this worker.
      if (ticker !== undefined) clearInterval(ticker);
      if (standby !== undefined) standby.child.kill("SIGKILL");
      post({ t: "exit", code, signal, stderr: e.stderr });
    });
    return e;
  };

  const output = (e: Encoder, au: Uint8Array, keyframe: boolean): void => {
    const capture = e.captures.shift() ?? wallMicros();
    if (e.retiring) {
      if (active?.started) return; // the new encoder has taken over: a late frame would go back in time
    } else if (!e.started) {
      e.started = true;
      // The new encoder is out: the old one's late frames are dropped from now on, and a fresh
      // standby waits for the next request.
      standby ??= stopping ? undefined : startEncoder();
    }
    const copy = new Uint8Array(au.length);
    copy.set(au);
    post({ t: "au", au: copy, keyframe, capture }, [copy.buffer]);
  };

  const switchEncoder = (): void => {
    const old = active;
    if (old === undefined || stopping) return;
    if (!old.started) return; // still waiting for this encoder's first frame: that is a keyframe already
    const next = standby ?? startEncoder();
    standby = undefined;
    active = next;
    old.retiring = true;
    old.child.stdin?.end(); // it flushes the frame it holds, then exits
  };

  const tick = (): void => {
    const e = active;
    const stdin = e?.child.stdin;
    if (e === undefined || stdin === null || stdin === undefined) return;
    // More than the other buffer's frame still unwritten: the encoder is behind.
    if (!stdin.writable || stdin.writableLength > frameBytes) {
      post({ t: "skipped" });
      return;
    }
    readPose();
    const before = probe === undefined ? 0 : Atomics.load(probe, 0);
    const now = wallMicros();
    flip ^= 1;
    const frame = (renderers[flip] as SceneRenderer).render(pose, now);
    if (d.renderCostMs !== undefined) {
      const until = performance.now() + d.renderCostMs;
      while (performance.now() < until) {
        // a slow board's render
      }
    }
    if (probe !== undefined) Atomics.add(probe, 1, Atomics.load(probe, 0) - before);
    stdin.write(frame);
    e.captures.push(now);
    if (e.captures.length > 16) e.captures.shift();
  };

  port.on("message", (m: MainToWorker) => {
    if (m.t === "keyframe") switchEncoder();
    else if (m.t === "kill") {
      stopping = true;
      if (ticker !== undefined) clearInterval(ticker);
      for (const e of [active, standby]) {
        if (e === undefined || e.closed) continue;
        e.child.stdin?.destroy(); // an encoder blocked reading its input acts on signals only then
        e.child.kill(m.signal);
      }
    }
  });

  active = startEncoder();
  ticker = setInterval(tick, 1000 / d.fps);
}
