import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { getPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { requireTool } from "../../test/support/tools.ts";
import { RealClock } from "../kernel/real-clock.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { CameraSource } from "./camera-source.ts";
import { type CameraSpec, cameraCommand } from "./commands.ts";

/**
 * Camera sources fail as events, never as crashes: a missing program or device is "missing"
 * (VIDEO_SOURCE_MISSING), a program that exits or writes something that is not H.264 FLV is
 * restarted with backoff (VIDEO_SOURCE_EXITED / VIDEO_BAD_FLV), and a restart is counted.
 */
const clock = new RealClock();
const settings = { width: 640, height: 360, fps: 30, bitrate_kbps: 1500 };
const spec = (o: Partial<CameraSpec>): CameraSpec => ({
  name: "front",
  kind: "uvc",
  device: "/dev/video0",
  settings,
  keyframeIntervalS: 1,
  ...o,
});

function states(source: CameraSource, n: number): Promise<[string, string][]> {
  const seen: [string, string][] = [];
  return new Promise((resolve) =>
    source.on("state", (state, code) => {
      seen.push([state, code]);
      if (seen.length === n) resolve(seen);
    }),
  );
}

test("a camera device that is not there is reported missing and retried, without starting a program", async () => {
  let spawned = 0;
  const source = new CameraSource({
    spec: spec({ device: "/dev/video-none" }),
    clock,
    backoff: { initialMs: 10, maxMs: 10 },
    deviceExists: () => false,
    spawn: () => {
      spawned++;
      throw new Error("not reached");
    },
  });
  const seen = states(source, 1);
  source.start();
  assert.deepEqual(await seen, [["missing", "VIDEO_SOURCE_MISSING"]]);
  await source.stop();
  assert.equal(spawned, 0);
});

test("a camera program that is not installed is reported missing", async () => {
  const source = new CameraSource({
    spec: spec({ kind: "rpicam", device: "0", program: "tethys-no-such-camera-program" }),
    clock,
    backoff: { initialMs: 10_000, maxMs: 10_000 },
  });
  const seen = states(source, 2);
  source.start();
  assert.deepEqual(await seen, [
    ["starting", ""],
    ["missing", "VIDEO_SOURCE_MISSING"],
  ]);
  await source.stop();
});

test("a program that exits is restarted with backoff; one writing garbage is killed and restarted", async () => {
  const exits = new CameraSource({
    spec: spec({ kind: "rpicam", device: "0", program: "false" }),
    clock,
    backoff: { initialMs: 10, maxMs: 10 },
  });
  const seen = states(exits, 4);
  exits.start();
  const s = await seen;
  assert.deepEqual(s[1], ["restarting", "VIDEO_SOURCE_EXITED"]);
  assert.deepEqual(s[2], ["starting", "VIDEO_SOURCE_EXITED"], "started again");
  await exits.stop();
  assert.ok(exits.restarts >= 1);

  const dir = await mkdtemp(join(tmpdir(), "tethys-camera-"));
  const program = join(dir, "not-a-camera");
  await writeFile(program, "#!/bin/sh\nwhile :; do echo garbage; done\n");
  await chmod(program, 0o755);
  const garbage = new CameraSource({
    spec: spec({ kind: "sim", program }),
    clock,
    backoff: { initialMs: 10_000, maxMs: 10_000 },
  });
  const bad = new Promise<string>((resolve) => garbage.on("state", (st, code) => st === "restarting" && resolve(code)));
  garbage.start();
  assert.equal(await bad, "VIDEO_BAD_FLV");
  await garbage.stop();
  assert.equal(garbage.state, "stopped");
  await rm(dir, { recursive: true, force: true });
});

test("the programs' command lines: copy for UVC (no transcoding), inline headers for rpicam, zerolatency for the simulator", () => {
  const uvc = cameraCommand(spec({}));
  assert.equal(uvc.program, "ffmpeg");
  assert.deepEqual(uvc.args.slice(uvc.args.indexOf("-c:v"), uvc.args.indexOf("-c:v") + 2), ["-c:v", "copy"]);
  assert.ok(uvc.args.includes("/dev/video0"));
  assert.equal(uvc.output, "flv");
  const pi = cameraCommand(spec({ kind: "rpicam", device: "1" }));
  assert.equal(pi.program, "rpicam-vid");
  assert.ok(pi.args.includes("--inline"));
  assert.equal(pi.args[pi.args.indexOf("--intra") + 1], "30");
  assert.equal(pi.output, "annexb");
  const sim = cameraCommand(spec({ kind: "sim", keyframeIntervalS: 0.5 }));
  assert.ok(sim.rawInput);
  assert.equal(sim.args[sim.args.indexOf("-tune") + 1], "zerolatency");
  assert.equal(sim.args[sim.args.indexOf("-g") + 1], "15");
});

test("the simulated camera through ffmpeg: H.264 access units with the picture size, keyframe first", {
  skip: requireTool("ffmpeg", "ffmpeg"),
}, async () => {
  const source = new CameraSource({
    spec: spec({ kind: "sim", settings: { width: 320, height: 180, fps: 30, bitrate_kbps: 500 } }),
    clock,
    pose: () => ({ heading: 10, pitch: 0, roll: 0, depth: 1 }),
  });
  const frames: { keyframe: boolean; width: number; height: number; capture: number; output: number }[] = [];
  const ten = new Promise<void>((resolve) =>
    source.on("frame", (f) => {
      frames.push({
        keyframe: f.keyframe,
        width: f.width,
        height: f.height,
        capture: f.captureMicros,
        output: f.outputMicros,
      });
      if (frames.length === 10) resolve();
    }),
  );
  source.start();
  await ten;
  await source.stop();
  assert.equal(frames[0]?.keyframe, true);
  assert.ok(frames.every((f) => f.width === 320 && f.height === 180));
  assert.ok(
    frames.every((f) => f.capture <= f.output),
    "rendered before it came out of the encoder",
  );
});

test("stop ends a program that ignores SIGTERM and never reads its input: input closed, then SIGKILL", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-camera-"));
  const program = join(dir, "stubborn-encoder");
  // like an encoder stuck in a read of its raw-video pipe: SIGTERM does nothing
  await writeFile(program, "#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 1; done\n");
  await chmod(program, 0o755);
  const source = new CameraSource({
    spec: spec({ kind: "sim", program, settings: { width: 64, height: 64, fps: 5, bitrate_kbps: 100 } }),
    clock,
    killAfterMs: 100,
  });
  const starting = new Promise<void>((resolve) => source.on("state", (st) => st === "starting" && resolve()));
  source.start();
  await starting;
  await source.stop(); // resolves only once the program has exited
  assert.equal(source.state, "stopped");
  await rm(dir, { recursive: true, force: true });
});

test("the simulated camera renders in a worker thread: a render longer than the agent's tick leaves the loop running", {
  skip: requireTool("ffmpeg", "ffmpeg"),
}, async () => {
  // [0]: this thread's ticks; [1]: how far they moved while the worker rendered (it adds them up).
  const probe = new SharedArrayBuffer(8);
  const counts = new Int32Array(probe);
  const source = new CameraSource({
    spec: spec({ kind: "sim", settings: { width: 160, height: 90, fps: 10, bitrate_kbps: 200 } }),
    clock,
    renderCostMs: 40, // each frame costs longer than many of the loop's 1 ms ticks
    renderProbe: probe,
  });
  const loop = setInterval(() => Atomics.add(counts, 0, 1), 1);
  const frames = new Promise<void>((resolve) => {
    let n = 0;
    source.on("frame", () => {
      if (++n === 6) resolve();
    });
  });
  try {
    source.start();
    await frames;
  } finally {
    clearInterval(loop);
  }
  const worker = source.renderWorker;
  assert.ok(worker !== undefined, "a worker thread renders");
  let exited = false;
  worker.once("exit", () => {
    exited = true;
  });
  await source.stop();
  // Rendering on this thread would leave no tick between a render's start and end.
  assert.ok(
    Atomics.load(counts, 1) > 0,
    `the loop ticked while frames were rendered (${Atomics.load(counts, 1)} ticks)`,
  );
  assert.equal(exited, true, "stop() ended the worker thread");
  assert.equal(source.renderWorker, undefined);
});

test("a render worker that dies is a camera fault: reported, restarted with backoff, live again", {
  skip: requireTool("ffmpeg", "ffmpeg"),
}, async () => {
  const source = new CameraSource({
    spec: spec({ kind: "sim", settings: { width: 160, height: 90, fps: 30, bitrate_kbps: 200 } }),
    clock,
    backoff: { initialMs: 10, maxMs: 10 },
  });
  const live = (n: number) =>
    new Promise<void>((resolve) => {
      let seen = 0;
      const on = (state: string) => {
        if (state === "live" && ++seen === n) {
          source.off("state", on);
          resolve();
        }
      };
      source.on("state", on);
    });
  const first = live(1);
  source.start();
  await first;
  const worker = source.renderWorker;
  assert.ok(worker !== undefined);
  const fault = new Promise<string>((resolve) =>
    source.on("state", (st, code) => st === "restarting" && resolve(code)),
  );
  const again = live(1);
  await worker.terminate(); // as if the thread had crashed
  assert.equal(await fault, "VIDEO_SOURCE_EXITED");
  await again;
  assert.equal(source.restarts, 1);
  assert.notEqual(source.renderWorker, worker, "a new worker");
  await source.stop();
});

test("a keyframe on request: the next picture after a request is an IDR, long before the group ends, and nothing goes back in time", {
  skip: requireTool("ffmpeg", "ffmpeg"),
}, async () => {
  const source = new CameraSource({
    // one keyframe every 10 s on its own
    spec: spec({
      kind: "sim",
      keyframeIntervalS: 10,
      settings: { width: 160, height: 90, fps: 30, bitrate_kbps: 200 },
    }),
    clock,
    minKeyframeGapMs: 0,
  });
  const frames: { keyframe: boolean; capture: number }[] = [];
  let waiter: (() => void) | undefined;
  let want = 0;
  source.on("frame", (f) => {
    frames.push({ keyframe: f.keyframe, capture: f.captureMicros });
    if (frames.length >= want) waiter?.();
  });
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      want = n;
      waiter = resolve;
      if (frames.length >= n) resolve();
    });
  source.start();
  await until(10);
  const asked: number[] = [];
  for (let round = 0; round < 3; round++) {
    asked.push(frames.length);
    assert.equal(source.requestKeyframe(), true);
    await until(frames.length + 20);
  }
  await source.stop();
  assert.equal(frames[0]?.keyframe, true);
  for (const at of asked) {
    const next = frames.findIndex((f, i) => i >= at && f.keyframe);
    assert.ok(next >= at && next - at <= 10, `keyframe ${next - at} frames after the request at frame ${at}`);
  }
  assert.equal(frames.filter((f) => f.keyframe).length, 1 + asked.length, "keyframes only where asked");
  for (let i = 1; i < frames.length; i++)
    assert.ok(
      (frames[i] as { capture: number }).capture > (frames[i - 1] as { capture: number }).capture,
      `frame ${i} in order`,
    );
  assert.equal(source.keyframeRequests, 3);
});

test("new settings restart the program at most once per gap, latest settings winning; the same settings change nothing", async () => {
  const vclock = new VirtualClock();
  const launched: string[][] = [];
  const children: FakeChild[] = [];
  const source = new CameraSource({
    spec: spec({}),
    clock: vclock,
    deviceExists: () => true,
    minReconfigureGapMs: 1000,
    spawn: (_program, args) => {
      launched.push(args);
      const c = new FakeChild();
      children.push(c);
      return c as unknown as ChildProcess;
    },
  });
  const sizeOf = (args: string[] | undefined) => args?.[(args?.indexOf("-video_size") ?? -2) + 1];
  source.start();
  assert.equal(launched.length, 1);
  assert.equal(source.reconfigure({ ...settings }), false, "the same settings");
  assert.equal(children[0]?.signals.length, 0);

  assert.equal(source.reconfigure({ ...settings, width: 1280, height: 720 }), true);
  await children[0]?.closed; // the old program ends; the new one starts at once
  vclock.advance(0);
  assert.equal(launched.length, 2);
  assert.equal(sizeOf(launched[1]), "1280x720");

  // Within the gap: three requests, one restart at its end with the last of them.
  vclock.advance(100);
  for (const [w, h] of [
    [640, 360],
    [1920, 1080],
    [320, 240],
  ] as const)
    source.reconfigure({ ...settings, width: w, height: h });
  assert.equal(children[1]?.signals.length, 0, "not before the gap ends");
  vclock.advance(900);
  assert.deepEqual(children[1]?.signals, ["SIGTERM"]);
  source.reconfigure({ ...settings, width: 800, height: 600 }); // while the old one ends
  assert.deepEqual(children[1]?.signals, ["SIGTERM"], "no second kill while it ends");
  await children[1]?.closed;
  vclock.advance(0);
  assert.equal(launched.length, 3);
  assert.equal(sizeOf(launched[2]), "800x600", "the latest settings");
  assert.ok((children[1]?.listenerCount("close") ?? 0) <= 2);
  const stopping = source.stop();
  await children[2]?.closed;
  await stopping;
});

/** A camera program that ends (close event) when signalled, as a real one would. */
/** The nice value of a process or thread from its /proc stat line (field 19). */
async function niceOf(statPath: string): Promise<number> {
  const stat = await readFile(statPath, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

test("a camera's program runs at the configured nice value, below the control path", async () => {
  const source = new CameraSource({
    spec: spec({}),
    clock,
    deviceExists: () => true,
    nice: 5,
    spawn: () => spawn("sleep", ["30"], { stdio: ["ignore", "pipe", "pipe"] }),
  });
  source.start();
  try {
    const [pid] = source.programPids;
    assert.ok(pid !== undefined, "a program runs");
    assert.equal(await niceOf(`/proc/${pid}/stat`), 5);
    assert.equal(getPriority(), getPriority(process.pid), "this process is unchanged");
  } finally {
    await source.stop();
  }
});

test("the simulated camera's render thread and its encoders run at the nice value; the event loop's thread does not", {
  skip: requireTool("ffmpeg", "ffmpeg"),
}, async () => {
  const own = getPriority();
  const nice = Math.min(19, own + 7);
  const source = new CameraSource({
    spec: spec({ kind: "sim", settings: { width: 160, height: 90, fps: 10, bitrate_kbps: 200 } }),
    clock,
    nice,
  });
  const live = new Promise<void>((resolve) => source.on("state", (st) => st === "live" && resolve()));
  source.start();
  try {
    await live;
    const pids = source.programPids;
    assert.ok(pids.length >= 1, "an encoder runs");
    for (const pid of pids) assert.equal(await niceOf(`/proc/${pid}/stat`), nice, `encoder ${pid}`);
    const threads = await readdir("/proc/self/task");
    const nices = await Promise.all(threads.map((t) => niceOf(`/proc/self/task/${t}/stat`)));
    assert.equal(await niceOf(`/proc/self/task/${process.pid}/stat`), own, "the main thread keeps its priority");
    assert.equal(nices.filter((n) => n === nice).length, 1, `one thread lowered (${nices.join(" ")})`);
  } finally {
    await source.stop();
  }
});

class FakeChild extends EventEmitter {
  readonly signals: string[] = [];
  exitCode: number | null = null;
  signalCode: string | null = null;
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  private ended!: () => void;
  readonly closed = new Promise<void>((resolve) => {
    this.ended = resolve;
  });
  kill(signal: string): boolean {
    this.signals.push(signal);
    if (this.signalCode === null) {
      this.signalCode = signal;
      setImmediate(() => {
        this.emit("close", null, signal);
        this.ended();
      });
    }
    return true;
  }
}
