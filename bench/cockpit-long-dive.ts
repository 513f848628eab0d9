// Long-dive check for the browser cockpit: does the page stay flat over a long dive at full
// telemetry rate? `node bench/cockpit-long-dive.ts [--minutes 10] [--speed 10] [--hz 50]`
//
// 1. The dive: the simulator's world with the real vehicle agent (drivers, control loop) on a
//    virtual clock, telemetry at --hz, a pilot flying a slow weave (surge, yaw and heave commands
//    every 0.2 s) and a leak alarm raised and cleared every 3 simulated minutes. Recorded in
//    memory as the agent's telemetry, alarms and events.
// 2. The replay: a stand-in hub (test/support/stand-in-hub.ts) serves the built cockpit to
//    headless Chromium and streams the recording --speed times faster than real time, while the
//    page is signed in as pilot with W held (so it also sends pilot input at 25 Hz).
// 3. The measurements, once per simulated 30 s: JS heap after a forced GC, DOM nodes and event
//    listeners (CDP Performance.getMetrics), and frame intervals (requestAnimationFrame) since
//    the previous sample. Prints a table and compares the first and last simulated minute. The
//    alarm list and the event log are filled to their bound (50) before the dive so that only leaks can grow.
// Exits 1 if the retained heap or the DOM grows (a leak), never on timing figures.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyEvent } from "../simulator/headless.ts";
import { startHeadlessAgent } from "../simulator/headless-agent.ts";
import { MemorySink } from "../simulator/recorder.ts";
import { World } from "../simulator/world.ts";
import { buildCockpit } from "../src/cockpit/build.ts";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";
import type { Message } from "../src/protocol/index.ts";
import { launchChromium } from "../test/support/chromium.ts";
import { StandInHub } from "../test/support/stand-in-hub.ts";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};
const MINUTES = arg("minutes", 10);
const SPEED = arg("speed", 10);
const HZ = arg("hz", 50);
const SAMPLE_SIM_S = 30;

interface Timed {
  t: number;
  message: Message;
}

/** Runs the dive on a virtual clock and returns what the hub would forward to a browser. */
async function recordDive(): Promise<Timed[]> {
  const clock = new VirtualClock();
  const world = new World(clock, { seed: 7 });
  const sink = new MemorySink();
  const agent = startHeadlessAgent(world, sink, { telemetryHz: HZ });
  const endMs = MINUTES * 60_000;
  clock.setTimer(1000, () => agent.command({ type: "arm" }));
  for (let ms = 1200; ms < endMs; ms += 200) {
    const s = ms / 1000;
    clock.setTimer(ms, () =>
      agent.command({
        type: "pilot",
        surge: 0.6,
        sway: 0,
        heave: 0.3 * Math.sin(s / 20),
        yaw: 0.4 * Math.sin(s / 7),
        pitch: 0,
        roll: 0,
        gain: 0.8,
      }),
    );
  }
  for (let ms = 90_000; ms < endMs; ms += 180_000) {
    clock.setTimer(ms, () =>
      applyEvent(world, { at: ms / 1000, type: "sim.fault", device: "leak", fault: "leak", line: 0 }),
    );
    clock.setTimer(ms + 20_000, () =>
      applyEvent(world, { at: ms / 1000 + 20, type: "sim.fault", device: "leak", fault: "clear", line: 0 }),
    );
  }
  world.start();
  await clock.advanceAsync(endMs);
  await agent.stop();
  world.stop();
  const out: Timed[] = [];
  for (const r of sink.records) {
    const { t, ...rest } = r as { t: number; type: string; message?: Message };
    if (rest.type === "telemetry") out.push({ t, message: rest as unknown as Message });
    else if (rest.type === "agent" && rest.message) out.push({ t, message: rest.message });
  }
  return out;
}

interface Sample {
  simS: number;
  heapMB: number;
  nodes: number;
  listeners: number;
  frames: number;
  meanMs: number;
  maxMs: number;
  over50: number;
}

const wall0 = performance.now();
const dive = await recordDive();
const telemetryCount = dive.filter((d) => d.message.type === "telemetry").length;
process.stdout.write(
  `dive: ${MINUTES} simulated min, ${telemetryCount} telemetry frames at ${HZ} Hz and ${dive.length - telemetryCount} alarms/events, recorded in ${((performance.now() - wall0) / 1000).toFixed(1)} s\n`,
);

const dir = await mkdtemp(join(tmpdir(), "tethys-long-dive-"));
await buildCockpit(dir, { minify: true });
const hub = new StandInHub(
  dir,
  (m, h) => {
    if (m.type === "auth") {
      h.send({ type: "auth-result", ok: true, session: 7, access: "pilot", code: "", retryAfterMs: 0 });
      h.send({ type: "vehicles", vehicles: [{ id: "rov1", connected: true, pilot: 0, observers: 0 }] });
    } else if (m.type === "role-request") {
      h.send({ type: "role", vehicle: m.vehicle, role: m.role, reason: "requested", by: 7 });
    }
  },
  { keep: false },
);
const url = await hub.listen();
const browser = await launchChromium();
const samples: Sample[] = [];
let lagged = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  await page.goto(url);
  await page.fill("#signin-secret", "any");
  await page.click("#signin-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
  await page.click("#take-pilot");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
  await page.keyboard.down("KeyW");
  // Fill the alarm list and the event log to their bound (50 entries each) first, so "first vs
  // last minute" compares the page with every bounded structure already full: what is left to
  // grow is a leak. Warnings go to the alarm list, routine (info) events to the event log.
  for (let i = 0; i < 60; i++)
    for (const severity of ["info", "warning"] as const)
      hub.send({ type: "event", severity, code: "BENCH_WARMUP", text: `warm-up ${severity} ${i} filling the list` });
  await page.waitForFunction(
    () =>
      document.getElementById("alarms")?.children.length === 50 &&
      document.getElementById("events")?.children.length === 50,
  );
  await page.evaluate(() => {
    const f = { n: 0, sum: 0, max: 0, over50: 0, last: 0 };
    (window as unknown as { frameStats: typeof f }).frameStats = f;
    const tick = (t: number): void => {
      if (f.last > 0) {
        const d = t - f.last;
        f.n++;
        f.sum += d;
        if (d > f.max) f.max = d;
        if (d > 50) f.over50++;
      }
      f.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });

  const sample = async (simS: number): Promise<void> => {
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
    const f = await page.evaluate(() => {
      const s = (
        window as unknown as { frameStats: { n: number; sum: number; max: number; over50: number; last: number } }
      ).frameStats;
      const copy = { ...s };
      Object.assign(s, { n: 0, sum: 0, max: 0, over50: 0 });
      return copy;
    });
    samples.push({
      simS,
      heapMB: metric("JSHeapUsedSize") / 1048576,
      nodes: metric("Nodes"),
      listeners: metric("JSEventListeners"),
      frames: f.n,
      meanMs: f.n > 0 ? f.sum / f.n : Number.NaN,
      maxMs: f.max,
      over50: f.over50,
    });
  };

  // Stream: every 20 ms of real time, everything due by (real elapsed × speed) in sim time.
  const start = performance.now();
  let next = 0;
  let nextSample = SAMPLE_SIM_S;
  await sample(0);
  while (next < dive.length) {
    await new Promise((r) => setTimeout(r, 20));
    if (hub.buffered > 1 << 20) {
      lagged++;
      continue;
    }
    const simNow = ((performance.now() - start) / 1000) * SPEED;
    while (next < dive.length && (dive[next] as Timed).t <= simNow) {
      const d = dive[next++] as Timed;
      hub.send(d.message, Math.round(d.t * 1e6));
    }
    if (simNow >= nextSample) {
      await sample(nextSample);
      nextSample += SAMPLE_SIM_S;
    }
  }
  const received = await page.evaluate(
    () => (window as unknown as { tethys: { state: { telemetryCount: number; sentCount: number } } }).tethys.state,
  );
  process.stdout.write(
    `replayed at ${SPEED}× in ${((performance.now() - start) / 1000).toFixed(1)} s: the page took ${received.telemetryCount} telemetry frames and sent ${received.sentCount} pilot frames (hub got ${hub.count} messages); ${lagged} ticks held back by backpressure; page errors: ${errors.length === 0 ? "none" : errors.join("; ")}\n\n`,
  );
} finally {
  await browser.close();
  await hub.close();
  await rm(dir, { recursive: true, force: true });
}

const pad = (s: string, n: number) => s.padStart(n);
process.stdout.write(
  `${pad("sim s", 6)} ${pad("heap MB", 8)} ${pad("nodes", 6)} ${pad("listen", 6)} ${pad("frames", 7)} ${pad("mean ms", 8)} ${pad("max ms", 7)} ${pad(">50ms", 6)}\n`,
);
for (const s of samples) {
  process.stdout.write(
    `${pad(String(s.simS), 6)} ${pad(s.heapMB.toFixed(2), 8)} ${pad(String(s.nodes), 6)} ${pad(String(s.listeners), 6)} ${pad(String(s.frames), 7)} ${pad(s.meanMs.toFixed(1), 8)} ${pad(s.maxMs.toFixed(1), 7)} ${pad(String(s.over50), 6)}\n`,
  );
}

// First vs last simulated minute (the first sample, at 0 s, is before any telemetry: skipped).
const minute = (from: number, to: number) => samples.filter((s) => s.simS > from && s.simS <= to);
const first = minute(0, 60);
const last = minute(MINUTES * 60 - 60, MINUTES * 60);
const mean = (xs: Sample[], k: keyof Sample) => xs.reduce((a, s) => a + s[k], 0) / Math.max(1, xs.length);
// The heap's floor (lowest post-GC sample) per minute: a leak raises the floor; a sample caught
// mid-allocation only raises one point.
const floor = (xs: Sample[]) => Math.min(...xs.map((s) => s.heapMB));
const heapGrowth = floor(last) - floor(first);
const nodeGrowth = mean(last, "nodes") - mean(first, "nodes");
const listenerGrowth = mean(last, "listeners") - mean(first, "listeners");
process.stdout.write(
  `\nfirst vs last minute: heap floor ${floor(first).toFixed(2)} → ${floor(last).toFixed(2)} MB (${heapGrowth >= 0 ? "+" : ""}${heapGrowth.toFixed(2)}), ` +
    `DOM nodes ${mean(first, "nodes").toFixed(0)} → ${mean(last, "nodes").toFixed(0)}, listeners ${mean(first, "listeners").toFixed(0)} → ${mean(last, "listeners").toFixed(0)}, ` +
    `frame mean ${mean(first, "meanMs").toFixed(1)} → ${mean(last, "meanMs").toFixed(1)} ms, frames over 50 ms ${mean(first, "over50").toFixed(1)} → ${mean(last, "over50").toFixed(1)} per 30 s\n`,
);
// A leak at full rate grows every sample; 1 MB or 10 % over 9 minutes, or any steady DOM growth, is one.
const leak = heapGrowth > Math.max(1, 0.1 * floor(first)) || nodeGrowth > 50 || listenerGrowth > 20;
process.stdout.write(
  leak ? "GROWING: the cockpit leaks over a long dive\n" : "flat: memory and DOM stay flat over the dive\n",
);
process.exit(leak ? 1 : 0);
