// `npm run bench dive-log`: the dive log's figures (docs/dive-log.md).
// 1. A 10-minute dive recorded at 50 Hz and 200 Hz telemetry (plus a vehicle-status frame a
//    second, pilot input at 20 Hz and an alarm a minute): file size per minute and recording CPU per second of dive (this process's
//    user+system time, compression threads included, over the dive's seconds).
// 2. Opening the 200 Hz file (indexed reader) and seeking to the start of every minute: the
//    first telemetry record at or after it.
// 3. `tethys replay`'s player opening the 200 Hz file (everything decoded and validated) and
//    seeking to every minute (the telemetry and vehicle status of that moment handed to the hub).
// 4. A recording process killed with SIGKILL at a random moment (5 runs): how much before the
//    kill the repaired file ends.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { ReplayPlayer } from "../src/dive-log/player.ts";
import { openDiveLog, readRecords, repairDiveLog } from "../src/dive-log/reader.ts";
import { DiveRecorder } from "../src/dive-log/recorder.ts";
import { sampleStatus } from "../src/dive-log/testing/sample-dive.ts";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";
import { underwayTelemetry } from "../src/protocol/testing/sample-telemetry.ts";

const root = mkdtempSync(join(tmpdir(), "tethys-bench-divelog-"));
const MINUTES = 10;
const print = (s: string) => process.stdout.write(`${s}\n`);
print(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);

async function record(hz: number): Promise<string> {
  const clock = new VirtualClock();
  const dir = join(root, `${hz}hz`);
  const recorder = new DiveRecorder({ dir, clock, logger: pino({ level: "silent" }), preMarginMs: 0 });
  const frameMs = 1000 / hz;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let seq = 0;
  for (let s = 0; s < MINUTES * 60; s++) {
    for (let i = 0; i < hz; i++) {
      const t = s + i / hz;
      recorder.telemetry("rov-1", {
        message: underwayTelemetry({ armed: true, depth: 5 + Math.sin(t / 30) * 3, heading: (t * 3) % 360 }),
        seq: seq++,
        timestamp: clock.wallMicros(),
      });
      if (i === 0) recorder.telemetry("rov-1", { message: sampleStatus(s), seq: seq++, timestamp: clock.wallMicros() });
      if (i % Math.max(1, Math.round(hz / 20)) === 0)
        recorder.command("rov-1", {
          session: 1,
          name: "pilot",
          message: { type: "pilot", surge: 0.3, sway: 0, heave: -0.1, yaw: 0.05, pitch: 0, roll: 0, gain: 0.8 },
          result: "forwarded",
          code: "",
        });
      clock.advance(frameMs);
    }
    if (s % 60 === 30)
      recorder.event("rov-1", {
        message: {
          type: "alarm",
          severity: "warning",
          code: "FS_BATTERY_LOW",
          active: s % 120 === 30,
          text: "battery",
        },
        seq: seq++,
        timestamp: clock.wallMicros(),
      });
    await recorder.flushed(); // the disk keeps up, as a real second would allow
  }
  await recorder.close();
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  const [name] = readdirSync(join(dir, "rov-1"));
  const file = join(dir, "rov-1", name as string);
  const bytes = statSync(file).size;
  print(
    `${hz} Hz, ${MINUTES} min: ${(bytes / 1048576).toFixed(2)} MiB, ${(bytes / MINUTES / 1048576).toFixed(3)} MiB/min; ` +
      `recording CPU ${((cpu.user + cpu.system) / 1000 / (MINUTES * 60)).toFixed(2)} ms per second of dive ` +
      `(${(((cpu.user + cpu.system) / 1000 / (MINUTES * 60 * 1000)) * 100).toFixed(2)} % of a core); ${(wall / 1000).toFixed(1)} s to record`,
  );
  return file;
}

await record(50);
const file = await record(200);

const t0 = performance.now();
const log = await openDiveLog(file);
print(`open (indexed reader, summary): ${(performance.now() - t0).toFixed(1)} ms`);
const start = Number((log.reader.statistics?.messageStartTime ?? 0n) / 1000n);
const seeks: number[] = [];
for (let m = 0; m < MINUTES; m++) {
  const s0 = performance.now();
  for await (const _ of readRecords(log, { topics: ["/telemetry"], start: start + m * 60e6 })) break;
  seeks.push(performance.now() - s0);
}
await log.close();
print(
  `seek to each minute: max ${Math.max(...seeks).toFixed(1)} ms, mean ${(seeks.reduce((a, b) => a + b) / seeks.length).toFixed(1)} ms`,
);

{
  const clock = new VirtualClock();
  const r0 = performance.now();
  const player = await ReplayPlayer.open(file, clock);
  const openMs = performance.now() - r0;
  const { start } = player.state();
  const seekMs: number[] = [];
  for (let m = 0; m < MINUTES; m++) {
    const s0 = performance.now();
    await player.seek(start + m * 60e6 + 30e6);
    seekMs.push(performance.now() - s0);
  }
  let sent = 0;
  let statuses = 0;
  player.on("telemetry", (f) => (f.message.type === "telemetry" ? sent++ : statuses++));
  await player.seek(start);
  player.setSpeed(64);
  const p0 = performance.now();
  player.play();
  clock.advance(10_000); // 640 s of dive at 64×
  await player.drained();
  const playMs = performance.now() - p0;
  await player.close();
  print(
    `replay player: open ${openMs.toFixed(0)} ms (${player.timeline.length} timeline marks); seek to each minute max ${Math.max(...seekMs).toFixed(1)} ms, mean ${(seekMs.reduce((a, b) => a + b) / seekMs.length).toFixed(1)} ms; the whole dive played in ${(playMs / 1000).toFixed(1)} s (${sent} telemetry, ${statuses} vehicle-status frames)`,
  );
}

const CHILD = fileURLToPath(new URL("../src/dive-log/testing/killed-recorder.ts", import.meta.url));
const gaps: number[] = [];
for (let run = 0; run < 5; run++) {
  const dir = join(root, `kill${run}`);
  const child = spawn(process.execPath, [CHILD, dir, "50"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let path = "";
  const killAfter = 3000 + Math.random() * 2000;
  const begun = performance.now();
  for await (const line of createInterface({ input: child.stdout })) {
    const m = JSON.parse(line) as { path?: string };
    if (m.path) path = m.path;
    if (performance.now() - begun > killAfter && path !== "") break;
  }
  const killedAt = Date.now() * 1000;
  child.kill("SIGKILL");
  await exited;
  const r = await repairDiveLog(path, join(dir, "repaired.mcap"));
  gaps.push((killedAt - r.lastTime) / 1e6);
}
print(
  `SIGKILL → the repaired file ends ${gaps.map((g) => g.toFixed(2)).join(", ")} s before the kill (max ${Math.max(...gaps).toFixed(2)} s)`,
);
print(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
rmSync(root, { recursive: true, force: true });
