import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TetherHandle } from "../../simulator/tether/run-tether.ts";
import { runSimSystem } from "../../src/cli/sim-system.ts";
import { openDiveLog, readRecords } from "../../src/dive-log/reader.ts";
import type { Message, MessageOf } from "../../src/protocol/index.ts";
import { HubClient } from "./hub-client.ts";

const isTelemetry = (m: Message): m is MessageOf<"telemetry"> => m.type === "telemetry";

export interface CutResult {
  /** Telemetry seq numbers in the dive log, in log-time order. */
  seqs: number[];
  /** How many of them came from the vehicle's black box. */
  fromBlackBox: number;
  /**
   * Telemetry seq numbers missing between the first and the last recorded, in runs of two or more:
   * telemetry the log lost. (A lone hole is a `vehicle-status` frame, which shares the telemetry
   * link's sequence counter, about one a second: see `statusHoles`.)
   */
  missing: number[];
  /** Lone missing seq numbers: the seqs the vehicle spent on its `vehicle-status` frames. */
  statusHoles: number[];
  /** Vehicle time from the first to the last recorded telemetry frame, in seconds. */
  spanS: number;
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
  let stop!: () => void;
  const until = new Promise<void>((r) => {
    stop = r;
  });
  type Ready = { url: string; token: string; tethers: { telemetry?: TetherHandle; command?: TetherHandle } };
  let ready!: (i: Ready) => void;
  const started = new Promise<Ready>((r) => {
    ready = r;
  });
  const system = runSimSystem({
    dir,
    httpPort: 0,
    until,
    onReady: ready,
    out: () => {},
    tether: { delay: "2ms" },
    diveLog: logs,
  });
  const seenByPilot = { beforeCut: 0, afterRestore: 0 };
  try {
    const { url, token, tethers } = await started;
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
    stop();
    await system;
  }
  try {
    const vehicleDir = join(logs, "rov1");
    const seqs: number[] = [];
    const times: number[] = [];
    let fromBlackBox = 0;
    for (const f of (await readdir(vehicleDir)).sort()) {
      const log = await openDiveLog(join(vehicleDir, f));
      for await (const r of readRecords(log, { topics: ["/telemetry"] })) {
        seqs.push(r.value.seq as number);
        times.push(r.value.vehicleTime as number);
        if (r.value.source === "black-box") fromBlackBox++;
      }
      await log.close();
    }
    const have = new Set(seqs);
    const missing: number[] = [];
    const statusHoles: number[] = [];
    for (let s = Math.min(...seqs); s <= Math.max(...seqs); s++) {
      if (have.has(s)) continue;
      if (have.has(s - 1) && have.has(s + 1)) statusHoles.push(s);
      else missing.push(s);
    }
    const spanS = (Math.max(...times) - Math.min(...times)) / 1e6;
    return { seqs, fromBlackBox, missing, statusHoles, spanS, seenByPilot };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves after `n` more telemetry frames matching `pred` reached the client. */
async function frames(c: HubClient, n: number, pred: (m: MessageOf<"telemetry">) => boolean): Promise<void> {
  for (let i = 0; i < n; i++) await c.upcoming((m) => isTelemetry(m) && pred(m));
}
