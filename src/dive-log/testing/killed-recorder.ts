/**
 * A process that records a dive as the hub does and is then killed by the test
 * (recorder.kill.test.ts) or the benchmark (bench/dive-log.ts): a DiveRecorder on the real
 * clock, fed armed telemetry at `rate` Hz. It prints one JSON line per frame added
 * (`{"frame":seq,"time":µs}`) and per chunk on disk (`{"flushed":messages,"path":…}`).
 * Usage: node killed-recorder.ts DIR RATE_HZ
 */
import { pino } from "pino";
import { RealClock } from "../../kernel/real-clock.ts";
import { sampleTelemetry } from "../../protocol/testing/sample-telemetry.ts";
import { DiveRecorder } from "../recorder.ts";

const [dir, rateArg] = process.argv.slice(2);
if (dir === undefined) throw new Error("usage: killed-recorder.ts DIR [RATE_HZ]");
const clock = new RealClock();
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const recorder = new DiveRecorder({
  dir,
  clock,
  logger: pino({ level: "silent" }),
  preMarginMs: 0,
  onFlushed: (_v, path, messages) => out({ flushed: messages, path }),
});
let seq = 0;
clock.setInterval(1000 / Number(rateArg ?? 50), () => {
  const time = clock.wallMicros();
  recorder.telemetry("rov-1", { message: sampleTelemetry({ armed: true, depth: seq / 100 }), seq, timestamp: time });
  out({ frame: seq, time });
  seq++;
});
