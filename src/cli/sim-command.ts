/**
 * `tethys sim`: the simulator from the command line.
 *
 *   tethys sim [--http-port P] [--dir D] [--tether IMPAIRMENTS] [--dive-log DIR] [--board PROFILE]
 *       the whole system: world, vehicle agent and topside hub as three processes (sim-system.ts).
 *   tethys sim --headless --duration 60 [--script FILE] [--record FILE]
 *       runs the world on a virtual clock as fast as possible and records NDJSON.
 *   tethys sim --world-only [--listen tcp:0 | --listen unix:PATH] [--duration S] [--record FILE] [--mcu]
 *       interactive: the world in real time, serving its I2C bus and GPIO on a local socket for
 *       an agent in another process (prints the address as one JSON line on stdout).
 */

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type ListenTarget, parseBusTarget, SimBusServer } from "../../simulator/bus/socket-server.ts";
import { applyEvent, runHeadless } from "../../simulator/headless.ts";
import type { HeadlessAgentOptions } from "../../simulator/headless-agent.ts";
import { McuWorld, mcuEventLine } from "../../simulator/mcu-world.ts";
import { MemorySink, NdjsonFile, type RecordSink } from "../../simulator/recorder.ts";
import { parseScript, type ScriptEvent } from "../../simulator/script.ts";
import { WATER_DENSITY, World, type WorldOptions } from "../../simulator/world.ts";
import { loadConfigFile, requireRole } from "../config/load.ts";
import { agentControlOptions } from "../control/config.ts";
import { isTethysError, TethysError } from "../kernel/errors.ts";
import { RealClock } from "../kernel/real-clock.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo, ExitCode } from "./io.ts";
import { untilStopSignal } from "./signals.ts";
import { parseSimBoard, SIM_CAMERAS } from "./sim-configs.ts";
import { runSimSystem } from "./sim-system.ts";
import { parseTetherSpec } from "./sim-wiring.ts";

export interface SimCliOptions {
  headless?: boolean;
  duration?: string;
  script?: string;
  record?: string;
  seed?: string;
  water?: string;
  depth?: string;
  truthRate?: string;
  readings?: boolean;
  /** Headless: run the vehicle agent on the world (default true; --no-agent leaves it out). */
  agent?: boolean;
  listen?: string;
  /** Only the world, serving its buses on --listen (what `tethys sim` starts as its first process). */
  worldOnly?: boolean;
  httpPort?: string;
  dir?: string;
  tether?: string;
  /** Whole system: record every dive here (docs/dive-log.md). */
  diveLog?: string;
  /** Headless: a config file whose [vehicle] section (control, rates) the agent uses. */
  config?: string;
  /** Whole system: the vehicle's board profile (rpi-pca9685, rpi-pca9685-psm, or rpi-serial-mcu with the host firmware). */
  board?: string;
  /** World only: also run the host firmware behind a pty, its pulses driving the thrusters. */
  mcu?: boolean;
  /** Whole system: the simulated camera (default on; --no-video leaves it out). */
  video?: boolean;
  /** Whole system: how many simulated cameras (1 or 2). */
  cameras?: string;
}

const argError = (flag: string, what: string) =>
  new TethysError("SIM_CLI_ARG", `--${flag}: ${what}`, { details: { flag } });

function num(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw argError(flag, `expected a number in ${min}..${max}, got "${v}"`);
  }
  return n;
}

export function parseListen(v: string): ListenTarget {
  const t = parseBusTarget(v);
  if (t !== undefined && ("path" in t || t.host === undefined))
    return "path" in t ? t : { host: "127.0.0.1", port: t.port };
  throw argError("listen", `expected tcp:PORT (loopback) or unix:PATH, got "${v}"`);
}

function worldOptions(o: SimCliOptions): WorldOptions {
  const water = o.water ?? "fresh";
  if (!(water in WATER_DENSITY)) throw argError("water", `expected fresh or sea, got "${water}"`);
  const w: WorldOptions = { water: water as keyof typeof WATER_DENSITY };
  const seed = num("seed", o.seed, 0, 2 ** 32 - 1);
  if (seed !== undefined) w.seed = seed;
  const depth = num("depth", o.depth, 0, 1000);
  if (depth !== undefined) w.pose = { d: depth };
  return w;
}

function loadScript(path: string | undefined): ScriptEvent[] {
  if (path === undefined) return [];
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw argError("script", `cannot read ${path}: ${(err as Error).message}`);
  }
  return parseScript(text, path);
}

/** A headless run, or else the world alone serving its buses; resolves with the exit code. */
export async function runSimCommand(o: SimCliOptions, out: (line: string) => void = console.log): Promise<number> {
  const world = worldOptions(o);
  const script = loadScript(o.script);
  const truthHz = num("truth-rate", o.truthRate, 0.1, 1000) ?? 10;
  if (o.headless) {
    const durationS = num("duration", o.duration, 0.001, 1e6);
    if (durationS === undefined) throw argError("duration", "required with --headless");
    const sink: RecordSink = o.record !== undefined ? new NdjsonFile(o.record) : new MemorySink();
    const agentOptions = o.config === undefined ? undefined : await headlessAgentOptionsFromConfig(o.config);
    const r = await runHeadless({
      durationS,
      script,
      sink,
      truthHz,
      readingHz: o.readings === false ? 0 : 5,
      world,
      agent: o.agent !== false,
      ...(agentOptions === undefined ? {} : { agentOptions }),
    });
    out(
      JSON.stringify({
        type: "summary",
        sim_s: Math.round(r.simSeconds * 1000) / 1000,
        wall_ms: Math.round(r.wallMs),
        speed_factor: Math.round(r.speedFactor),
        truth_records: r.truthRecords,
        reading_records: r.readingRecords,
        record: o.record ?? null,
      }),
    );
    return 0;
  }
  return runInteractive(o, world, script, truthHz, out);
}

async function runInteractive(
  o: SimCliOptions,
  wo: WorldOptions,
  script: ScriptEvent[],
  truthHz: number,
  out: (line: string) => void,
): Promise<number> {
  const clock = new RealClock();
  const world = new World(clock, wo);
  const server = new SimBusServer({ i2c: world.i2c, gpio: world.gpio });
  const addr = await server.listen(parseListen(o.listen ?? "tcp:0"));
  let mcu: McuWorld | undefined;
  try {
    mcu = o.mcu ? await McuWorld.start(world) : undefined;
  } catch (err) {
    await server.close();
    throw err;
  }
  const sink: RecordSink | undefined = o.record !== undefined ? new NdjsonFile(o.record) : undefined;
  const t0 = clock.now();
  const timers = script.map((ev) => clock.setTimer(ev.at * 1000, () => applyEvent(world, ev)));
  world.start(10);
  const truth = sink === undefined ? undefined : clock.setInterval(1000 / truthHz, () => sink.write(world.truth()));
  out(JSON.stringify({ type: "listening", ...addr, ...(mcu ? { mcu: mcu.path } : {}) }));
  mcu?.onEvent.on((e) => {
    sink?.write(world.truth()); // the recording shows the outputs at each MCU event
    out(JSON.stringify({ ...mcuEventLine(e.code, e.mcuMs, e.detail), world_t: e.worldT }));
  });
  const durationS = num("duration", o.duration, 0.001, 1e6);
  await Promise.race([untilStopSignal(), ...(durationS === undefined ? [] : [clock.sleep(durationS * 1000)])]);
  for (const t of timers) t.cancel();
  truth?.cancel();
  // The recording ends with the world as it was stopped (`tethys sim` stops it last: the
  // thrusters as the agent left them).
  sink?.write(world.truth());
  await mcu?.stop();
  world.stop();
  sink?.close();
  await server.close();
  out(JSON.stringify({ type: "summary", sim_s: world.t, wall_s: (clock.now() - t0) / 1000 }));
  return 0;
}

/** The whole system (world, agent and hub as three processes) from the `tethys sim` options. */
function runWholeSystem(o: SimCliOptions, io: CliIo): Promise<ExitCode> {
  const httpPort = Number(o.httpPort ?? 8080);
  if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535) {
    throw new TethysError("SIM_CLI_ARG", `--http-port: expected a port 0..65535, got "${o.httpPort}"`);
  }
  const cameras = Number(o.cameras ?? 1);
  if (!Number.isInteger(cameras) || cameras < 1 || cameras > SIM_CAMERAS.length) {
    throw new TethysError(
      "SIM_CLI_ARG",
      `--cameras: expected 1..${SIM_CAMERAS.length} (${SIM_CAMERAS.map((c) => c.name).join(", ")}), got "${o.cameras}"`,
    );
  }
  return runSimSystem({
    httpPort,
    dir: o.dir ?? ".tethys/dev",
    ...(o.seed === undefined ? {} : { seed: Number(o.seed) }),
    ...(o.water === "sea" ? { water: "sea" as const } : {}),
    ...(o.tether === undefined ? {} : { tether: parseTetherSpec(o.tether) }),
    ...(o.diveLog === undefined ? {} : { diveLog: resolve(o.diveLog) }),
    board: parseSimBoard(o.board),
    ...(o.video === false ? {} : { video: { cameras } }),
    out: (l) => io.out(`${l}\n`),
  });
}

/**
 * Adds `sim` to the program: the whole system by default, `--headless` or `--world-only`.
 * Errors are printed as `CODE: message` with exit code 2.
 */
export function registerSimCommand(program: CliCommand, io: CliIo): CliCommand {
  return program
    .command("sim")
    .description(
      "run the simulator: the whole system (world, vehicle agent, topside hub) by default, --headless for a fast recorded run, --world-only for the world serving its buses",
    )
    .option("--headless", "run on a virtual clock as fast as possible")
    .option("--world-only", "run only the world, serving its buses on --listen")
    .option("--http-port <port>", "whole system: cockpit HTTP port (0 picks a free one)", "8080")
    .option("--dir <dir>", "whole system: where dev keys, token and configs are kept", ".tethys/dev")
    .option(
      "--tether <impairments>",
      "whole system: route the links through the tether emulator, e.g. loss=20%,delay=50ms,jitter=10ms",
    )
    .option(
      "--dive-log <dir>",
      "whole system: record every dive to MCAP files in this directory (tethys log, tethys replay)",
    )
    .option(
      "--board <profile>",
      "whole system: the vehicle's board, rpi-pca9685, rpi-pca9685-psm (Power Sense Module) or rpi-serial-mcu (thrusters through the host firmware behind a pty)",
      "rpi-pca9685",
    )
    .option("--no-video", "whole system: no simulated camera (docs/video.md)")
    .option("--cameras <n>", "whole system: simulated cameras, 1 (front) or 2 (front, and down tilted 60°)", "1")
    .option("--mcu", "world only: run the host firmware behind a pty; its pulses drive the thrusters (prints its path)")
    .option("--duration <seconds>", "simulated time to run")
    .option("--script <file>", "NDJSON timed commands (sim.thrusters, sim.fault, sim.current)")
    .option("--record <file>", "NDJSON recording of truth and readings")
    .option("--seed <n>", "noise seed (runs with the same seed are identical)")
    .option("--water <kind>", "fresh or sea", "fresh")
    .option("--depth <m>", "initial depth")
    .option("--truth-rate <hz>", "truth records per simulated second", "10")
    .option("--no-readings", "leave the driver-side readings out of the recording")
    .option(
      "--config <file>",
      "headless: a config whose [vehicle] section (control, frame, failsafes, rates) the agent uses",
    )
    .option(
      "--no-agent",
      "headless: the world alone (drivers only, no control loop); pilot commands in the script are refused",
    )
    .option("--listen <target>", "interactive: tcp:PORT (loopback; 0 picks one) or unix:PATH", "tcp:0")
    .action(async (opts: SimCliOptions) => {
      try {
        return !opts.headless && !opts.worldOnly
          ? await runWholeSystem(opts, io)
          : await runSimCommand(opts, (l) => io.out(`${l}\n`));
      } catch (err) {
        if (!isTethysError(err)) throw err;
        io.err(`${err.code}: ${err.message}\n`);
        return 2;
      }
    });
}

/** The agent options of a headless run from a config file's [vehicle] section. */
async function headlessAgentOptionsFromConfig(file: string): Promise<HeadlessAgentOptions> {
  const vehicle = requireRole(await loadConfigFile(file), "vehicle");
  return {
    control: agentControlOptions(vehicle.control),
    loopHz: vehicle.loop_hz,
    telemetryHz: vehicle.telemetry_hz,
    board: vehicle.board,
  };
}
