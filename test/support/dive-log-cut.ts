import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDiveLog, readRecords } from "../../src/dive-log/reader.ts";
import type { Message, MessageOf } from "../../src/protocol/index.ts";
import { HubClient } from "./hub-client.ts";
import { type SimRun, startSimRun } from "./sim-run.ts";

const isTelemetry = (m: Message): m is MessageOf<"telemetry"> => m.type === "telemetry";

export interface CutResult {
  /** Telemetry seq numbers in the dive log, in log-time order. */
  seqs: number[];
  /** `vehicle-status` frames in the dive log (their own channel; they share the telemetry link's seqs). */
  statusFrames: number;
  /** How many telemetry frames came from the vehicle's black box. */
  fromBlackBox: number;
  /**
   * Seq numbers between the first and the last telemetry frame on neither `/telemetry` nor
   * `/vehicle-status`, in runs of two or more: telemetry the log lost.
   */
  missing: number[];
  /**
   * Lone seq numbers on neither channel beside a frame from the black box: `vehicle-status` frames
   * sent during the outage (the black box returns telemetry only).
   */
  statusHoles: number[];
  /** Lone seq numbers on neither channel between two frames received live: frames the log lost. */
  liveHoles: number[];
  /** Telemetry frames the pilot's browser saw before the cut and after it (the cut shows as none between). */
  seenByPilot: { beforeCut: number; afterRestore: number };
}

/**
 * The whole system (world, agent, hub with the dive log on) with both links through the tether
 * emulator: a pilot arms and flies, both links are black-holed for `cutMs`, restored, the pilot
 * flies on for `afterFrames` telemetry frames (the hub fetches the gap meanwhile), disarms, and
 * the system stops (the hub closes the log). Returns what the log holds. Used by
 * test/integration/dive-log-cut.test.ts (a short cut) and bench/dive-log-cut.ts (30 s).
 */
export async function diveWithTetherCut(cutMs: number, afterFrames: number): Promise<CutResult> {
  const dir = await mkdtemp(join(tmpdir(), "tethys-dive-cut-"));
  const logs = join(dir, "logs");
  const seenByPilot = { beforeCut: 0, afterRestore: 0 };
  let sim: SimRun;
  try {
    sim = await startSimRun({ dir, httpPort: 0, tether: { delay: "2ms" }, diveLog: logs });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  try {
    const { url, token, tethers } = sim.ready;
    const { telemetry, command } = tethers;
    if (!telemetry || !command) throw new Error("both links must run through the tether");
    const pilot = await HubClient.connect(`${url.replace(/^http/, "ws")}ws`);
    await pilot.signIn(token, "pilot");
    let flying = true;
    const feed = (): void => {
      if (!flying) return;
      pilot.send({ type: "pilot", surge: 0.2, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
      void pilot.upcoming((m) => m.type === "telemetry").then(feed);
    };
    feed();
    pilot.send({ type: "arm" });
    await pilot.next((m) => m.type === "event" && m.code === "ARMED");
    await frames(pilot, 20, (m) => m.armed);
    const before = pilot.received.filter(isTelemetry).length;
    telemetry.cut("blackhole");
    command.cut("blackhole");
    seenByPilot.beforeCut = before;
    await new Promise((r) => setTimeout(r, cutMs)); // the outage itself, not a wait for something
    const seenDuring = pilot.received.filter(isTelemetry).length;
    telemetry.restore();
    command.restore();
    await pilot.upcoming((m) => m.type === "vehicles" && m.vehicles.some((v) => v.connected));
    await frames(pilot, afterFrames, () => true);
    seenByPilot.afterRestore = pilot.received.filter(isTelemetry).length - seenDuring;
    flying = false;
    pilot.send({ type: "disarm" });
    await pilot.upcoming((m) => isTelemetry(m) && !m.armed);
    pilot.close();
  } finally {
    await sim.stop();
  }
  try {
    await sim.exited; // a system that failed fails the run
    const vehicleDir = join(logs, "rov1");
    const seqs: number[] = [];
    let fromBlackBox = 0;
    let statusFrames = 0;
    /** Every recorded seq of the telemetry link, and whether its frame came live. */
    const live = new Map<number, boolean>();
    for (const f of (await readdir(vehicleDir)).sort()) {
      const log = await openDiveLog(join(vehicleDir, f));
      for await (const r of readRecords(log, { topics: ["/telemetry", "/vehicle-status"] })) {
        live.set(r.value.seq as number, r.value.source === "live");
        if (r.kind === "vehicle-status") {
          statusFrames++;
          continue;
        }
        seqs.push(r.value.seq as number);
        if (r.value.source === "black-box") fromBlackBox++;
      }
      await log.close();
    }
    const missing: number[] = [];
    const statusHoles: number[] = [];
    const liveHoles: number[] = [];
    for (let s = Math.min(...seqs); s <= Math.max(...seqs); s++) {
      if (live.has(s)) continue;
      if (!live.has(s - 1) || !live.has(s + 1)) missing.push(s);
      else if (live.get(s - 1) && live.get(s + 1)) liveHoles.push(s);
      else statusHoles.push(s);
    }
    return { seqs, statusFrames, fromBlackBox, missing, statusHoles, liveHoles, seenByPilot };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves after `n` more telemetry frames matching `pred` reached the client. */
async function frames(c: HubClient, n: number, pred: (m: MessageOf<"telemetry">) => boolean): Promise<void> {
  for (let i = 0; i < n; i++) await c.upcoming((m) => isTelemetry(m) && pred(m));
}
