/**
 * Video latency and its cost to the pilot, on loopback, through the real system: the hub and
 * the vehicle agent as processes (latency-lib/system.ts) with the simulated camera at 720p30,
 * the cockpit in headless Chromium decoding with WebCodecs.
 *
 *  1. Per frame, from the header times and the page's clock (one machine, one wall clock):
 *     render → out of the encoder (the camera, not Tethys), vehicle send → hub (video link),
 *     hub → page (WebSocket), page → decoded (WebCodecs), and Tethys-added = out of the
 *     encoder → decoded; p50/p99.
 *  2. Pilot input → thruster output (latency-lib/pilot.ts) in three phases: no other session;
 *     N sessions attached but not watching (the control: the sessions and their process cost
 *     without video); N sessions watching video. The sessions live in one child process for
 *     the whole run (bench/_video-watchers.ts) that joins, watches, stops watching and leaves
 *     on command, each step complete before a phase's samples start. The phases alternate for
 *     `rounds` rounds, their order turning each round, and samples are pooled per phase, so a
 *     burst of load elsewhere on the machine does not land on one phase only. The hub's CPU in
 *     each phase (its own process_cpu_seconds_total) gives the cost per watcher, the ratio
 *     watching / attached separates video's cost from the sessions', and the system's own
 *     latency histograms, read around each phase, split the path by hop.
 *
 *     The watchers stand in for browsers on other computers; on one machine they would compete
 *     for its cores with the system measured, so their process runs at nice `watchersNice`
 *     (default 19; 0 to let them compete).
 *
 *   node bench/video-latency.ts [seconds=20] [watchers=20] [samples=3000] [width=1280] [height=720] [rounds=15] [watchersNice=19] [cameraNice]
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { loadavg, setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { buildCockpit } from "../src/cockpit/build.ts";
import { launchChromium } from "../test/support/chromium.ts";
import { type HopFigures, hopFigures, poolHops } from "./latency-lib/breakdown.ts";
import { BenchPilot } from "./latency-lib/pilot.ts";
import { ms, percentile, promValue, scrape, summary } from "./latency-lib/stats.ts";
import { startLatencySystem } from "./latency-lib/system.ts";

const seconds = Number(process.argv[2] ?? 20);
const watchers = Number(process.argv[3] ?? 20);
const samples = Number(process.argv[4] ?? 3000);
const width = Number(process.argv[5] ?? 1280);
const height = Number(process.argv[6] ?? 720);
const rounds = Number(process.argv[7] ?? 15);
const watchersNice = Number(process.argv[8] ?? 19);
/** The camera's `[vehicle.video] nice`; unset: the config's default (10). */
const cameraNice = process.argv[9] === undefined ? undefined : Number(process.argv[9]);

type Phase = "none" | "attached" | "watching";
const PHASES: readonly Phase[] = ["none", "attached", "watching"];

type Times = { capture: number; sent: number; hub: number; received: number; decoded: number };
type W = { tethys: { video: { samples(): Times[]; stats(): { decoded: number; errors: number; dropped: number } } } };

const { outDir } = await buildCockpit();
const sys = await startLatencySystem({
  video: {
    width,
    height,
    fps: 30,
    bitrateKbps: 3000,
    staticDir: outDir,
    ...(cameraNice === undefined ? {} : { nice: cameraNice }),
  },
});
const metrics = `${sys.hubUrl}metrics`;
const hubCpu = async () => promValue(await scrape(metrics), "tethys_process_cpu_seconds_total") ?? Number.NaN;
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} (${process.argv.slice(2).join(" ")})`,
);
try {
  // ---- 1. latency per hop, one browser decoding ----------------------------------------------
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(sys.hubUrl);
  await page.fill("#signin-secret", "");
  await page.click("#signin-form button[type=submit]");
  await page.waitForFunction(
    () => document.querySelector(".video-badge")?.textContent?.startsWith("● LIVE"),
    undefined,
    {
      timeout: 30_000,
    },
  );
  await page.waitForTimeout(2000); // warm-up
  const seen = new Map<number, Times>();
  const start = await page.evaluate(() => (window as unknown as W).tethys.video.stats());
  const startedAt = performance.now();
  const until = startedAt + seconds * 1000;
  while (performance.now() < until) {
    await page.waitForTimeout(2000); // the page keeps its last 120 frames (4 s at 30 fps)
    for (const t of await page.evaluate(() => (window as unknown as W).tethys.video.samples())) seen.set(t.capture, t);
  }
  const end = await page.evaluate(() => (window as unknown as W).tethys.video.stats());
  const elapsedS = (performance.now() - startedAt) / 1000;
  await browser.close();
  const frames = [...seen.values()];
  const hop = (f: (t: Times) => number) => {
    const v = frames.map(f).sort((a, b) => a - b);
    return `p50 ${ms(percentile(v, 50), 1)}  p99 ${ms(percentile(v, 99), 1)}  max ${ms(v[v.length - 1] ?? Number.NaN, 1)}`;
  };
  console.log(
    `video ${width}×${height} 30 fps, ${frames.length} frames decoded in Chromium over ${seconds} s (${end.decoded - start.decoded} counted, ${end.errors} decoder errors, ${end.dropped - start.dropped} dropped), ms:`,
  );
  console.log(`  render → encoder out (ffmpeg; the camera's own delay) ${hop((t) => t.sent - t.capture)}`);
  console.log(`  vehicle → hub (TLS video link)                        ${hop((t) => t.hub - t.sent)}`);
  console.log(`  hub → page (WebSocket)                                ${hop((t) => t.received - t.hub)}`);
  console.log(`  page → decoded (WebCodecs)                            ${hop((t) => t.decoded - t.received)}`);
  console.log(`  Tethys-added: encoder out → decoded                   ${hop((t) => t.decoded - t.sent)}`);
  console.log(`  glass to glass: render → decoded                      ${hop((t) => t.decoded - t.capture)}`);
  const added = frames.map((t) => t.decoded - t.sent).sort((a, b) => a - b);
  const video = {
    framesDecoded: end.decoded - start.decoded,
    decoderErrors: end.errors,
    fps: (end.decoded - start.decoded) / elapsedS,
    tethysAddedP50Ms: percentile(added, 50),
    tethysAddedP99Ms: percentile(added, 99),
  };

  // ---- 2. pilot input with 0 and N watchers, hub CPU ------------------------------------------
  const pilot = await BenchPilot.fly(sys);
  await pilot.measure(30);
  const child: ChildProcess = fork(fileURLToPath(new URL("./_video-watchers.ts", import.meta.url)), [
    sys.wsUrl,
    String(watchers),
    sys.observerToken,
  ]);
  if (child.pid !== undefined && watchersNice !== 0) setPriority(child.pid, watchersNice);
  await once(child, "message");
  type Answer = { type: string; command: string; message?: string; videoFrames?: number; videoBytes?: number };
  const ask = async (command: string): Promise<Answer> => {
    child.send({ type: command });
    for (;;) {
      const [m] = (await once(child, "message")) as [Answer];
      if (m.command !== command) continue;
      if (m.type === "failed") throw new Error(`watchers: ${command} failed: ${m.message}`);
      return m;
    }
  };
  let at: Phase = "none";
  /** Moves the N sessions to `to`, each step complete before the phase's samples start. */
  const goTo = async (to: Phase) => {
    if (at === to) return;
    if (to === "none") await ask("leave");
    else {
      if (at === "none") await ask("join");
      if (to === "watching") await ask("watch");
      else if (at === "watching") await ask("unwatch");
    }
    at = to;
  };
  const pooled: Record<Phase, number[]> = { none: [], attached: [], watching: [] };
  const cpuOf: Record<Phase, number> = { none: 0, attached: 0, watching: 0 };
  const hopsOf: Record<Phase, HopFigures[]> = { none: [], attached: [], watching: [] };
  const perRound = Math.ceil(samples / rounds);
  /** What the watchers received during the watching phases (not the cached group sent on `watch`). */
  const st = { videoFrames: 0, videoBytes: 0 };
  let watchingSeconds = 0;
  for (let r = 0; r < rounds; r++) {
    // The order turns each round, so each phase comes first, second and third as often.
    const order = PHASES.map((_, i) => PHASES[(i + r) % PHASES.length] as Phase);
    const p99s: string[] = [];
    for (const ph of order) {
      await goTo(ph);
      const frames0 = ph === "watching" ? await ask("stats") : undefined;
      const hops0 = await hopFigures(sys);
      const cpu0 = await hubCpu();
      const t0 = performance.now();
      const lat = await pilot.measure(perRound);
      const dt = (performance.now() - t0) / 1000;
      cpuOf[ph] += ((await hubCpu()) - cpu0) / dt / rounds;
      if (frames0 !== undefined) {
        const frames1 = await ask("stats");
        watchingSeconds += dt;
        st.videoFrames += (frames1.videoFrames ?? 0) - (frames0.videoFrames ?? 0);
        st.videoBytes += (frames1.videoBytes ?? 0) - (frames0.videoBytes ?? 0);
      }
      hopsOf[ph] = poolHops(hopsOf[ph], await hopFigures(sys, hops0));
      pooled[ph].push(...lat);
      p99s.push(`${ph} ${ms(summary(lat).p99)}`);
    }
    console.log(`  round ${r + 1}/${rounds}: pilot p99 ${p99s.join("  ")} ms`);
  }
  await goTo("none");
  child.send({ type: "stop" });
  await once(child, "exit");
  const show = (label: string, ph: Phase) => {
    const s = summary(pooled[ph]);
    console.log(
      `pilot input → thruster output, ${label}: ${s.n} samples (${s.missed} missed), p50 ${ms(s.p50)} ms  p99 ${ms(s.p99)} ms  max ${ms(s.max)} ms; hub CPU ${(cpuOf[ph] * 100).toFixed(1)} %`,
    );
    console.log(
      `    by hop, from the system's histograms (mean / p99 as a bucket bound, ms): ${hopsOf[ph].map((h) => `${h.hop} ${ms(h.mean, 3)} / ≤ ${ms(h.p99)}`).join(" · ")}`,
    );
    return { lat: s, cpu: cpuOf[ph] };
  };
  const idle = show("no other session", "none");
  const attached = show(`${watchers} sessions attached, not watching`, "attached");
  const loaded = { ...show(`${watchers} sessions watching video`, "watching"), st };
  pilot.close();
  const perWatcher = ((loaded.cpu - attached.cpu) * 100) / watchers;
  const expected = watchingSeconds * 30 * watchers;
  console.log(
    `  watchers received ${loaded.st.videoFrames} frames (${((100 * loaded.st.videoFrames) / expected).toFixed(0)} % of 30 fps × ${watchers} during the watching phases, ${(loaded.st.videoBytes / 1e6).toFixed(1)} MB); pilot p99: attached/none ${(attached.lat.p99 / idle.lat.p99).toFixed(2)}×, watching/none ${(loaded.lat.p99 / idle.lat.p99).toFixed(2)}×, watching/attached ${(loaded.lat.p99 / attached.lat.p99).toFixed(2)}× (video's own cost); hub CPU per watcher ${perWatcher.toFixed(2)} % of a core (watching − attached)`,
  );
  console.log(
    JSON.stringify({
      bench: "video-latency",
      ...video,
      pilotRatioWatchingVsNone: loaded.lat.p99 / idle.lat.p99,
      pilotP99Ms: { none: idle.lat.p99, attached: attached.lat.p99, watching: loaded.lat.p99 },
      rounds,
      watchersNice,
      cameraNice: cameraNice ?? "default",
      pilotRatioWatchingVsAttached: loaded.lat.p99 / attached.lat.p99,
      hubCpuPerWatcherPercent: perWatcher,
    }),
  );
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
} catch (err) {
  console.error(sys.log.join("\n"));
  throw err;
} finally {
  await sys.stop();
}
