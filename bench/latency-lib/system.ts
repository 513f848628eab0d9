import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SimBusServer, type SimBusServerStats } from "../../simulator/bus/socket-server.ts";
import { McuWorld } from "../../simulator/mcu-world.ts";
import { World } from "../../simulator/world.ts";
import { ProcessGroup } from "../../src/cli/process-group.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { generateKeys } from "../../src/keys/generate.ts";
import { hashSecret } from "../../src/topside/secrets.ts";

/**
 * The real system for latency benchmarks: the topside hub and the vehicle agent as their own
 * processes (`tethys topside`, `tethys vehicle`, exactly what `tethys sim` starts), and the
 * simulated world in THIS process, serving its buses on loopback TCP, so the benchmark sees the
 * PCA9685 model's registers change on the same clock it stamps pilot input with.
 *
 * `onPcaWrite` is called after every I2C write the agent makes to the world's PCA9685 model.
 *
 * With `board: "rpi-serial-mcu"` the thrusters are driven by the host build of the motor
 * controller firmware behind a pty (simulator/mcu-world.ts, what `tethys sim --board
 * rpi-serial-mcu` runs): the agent writes thruster frames over its real serial code path, and
 * `onOutput` is called on every pulse change the firmware reports.
 */
export type LatencyBoard = "rpi-pca9685" | "rpi-serial-mcu";

export interface LatencySystem {
  board: LatencyBoard;
  /** The thruster pulse widths (µs) the outputs carry now: M1..M6. */
  pulses(): number[];
  /** Called after every change of the thruster outputs (a PCA9685 write, or a firmware pulse report). */
  onOutput: (() => void) | undefined;
  /** Hub HTTP base, e.g. http://127.0.0.1:PORT/ (also serves /metrics). */
  hubUrl: string;
  wsUrl: string;
  /** Process id of the vehicle agent (from its ready line). */
  vehiclePid?: number;
  /** The vehicle's own /metrics URL. */
  vehicleMetricsUrl: string;
  /** Process id of the hub (`tethys topside`), for reading its /proc entries. */
  hubPid: number;
  token: string;
  /** Secret granting observer access (signs in without the per-address anonymous limit). */
  observerToken: string;
  world: World;
  onPcaWrite: (() => void) | undefined;
  /** Lines the children printed (warnings and errors), for the report when something fails. */
  log: string[];
  /** The world's sim-bus server's counters (requests the agent made). */
  simBus: SimBusServerStats;
  stop(): Promise<void>;
}

/** Thruster outputs M1..M6: PCA9685 channels 0..5, MCU channels 0..5 (both sim board profiles). */
const CHANNELS = [0, 1, 2, 3, 4, 5];
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TETHYS = join(ROOT, "src/cli/tethys.ts");

/** The simulated camera (bench/video-latency.ts): the hub gets a video port, the agent the camera. */
export interface LatencyVideo {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  /** The cockpit bundle the hub serves (the page that decodes). */
  staticDir: string;
  /** `[vehicle.video] nice` (default: the config's). */
  nice?: number;
}

export interface LatencySystemOptions {
  logLevel?: string;
  /** The vehicle's `telemetry_hz` (default: the config default). */
  telemetryHz?: number;
  /** The hub's `[topside.limits] max_browsers` (default: the config default). */
  maxBrowsers?: number;
  /** Extra environment for the hub process (e.g. glibc malloc tunables). */
  hubEnv?: Record<string, string>;
  board?: LatencyBoard;
  /** Extra keys for the [vehicle] section, TOML lines (e.g. "loop_hz = 50\ntelemetry_hz = 50"). */
  vehicleToml?: string;
  /** Program and leading arguments for the agent (default this Node running src/cli/tethys.ts). */
  agent?: { command: string; args: readonly string[]; env?: NodeJS.ProcessEnv };
  /** The simulated camera: the hub gets a video port, the agent the camera. */
  video?: LatencyVideo;
  /** The sim bus's socket: loopback TCP (default, as `tethys sim`) or a Unix domain socket. */
  simBus?: "tcp" | "unix";
}

export async function startLatencySystem(o: LatencySystemOptions = {}): Promise<LatencySystem> {
  const board = o.board ?? "rpi-pca9685";
  const dir = await mkdtemp(join(tmpdir(), "tethys-latency-"));
  const level = o.logLevel ?? "warn";
  const keys = await generateKeys({ dir: join(dir, "keys"), configDir: dir });
  const token = randomBytes(9).toString("base64url");
  const observerToken = randomBytes(9).toString("base64url");

  const clock = new RealClock();
  const world = new World(clock, { seed: 1 });
  const bus = new SimBusServer({ i2c: world.i2c, gpio: world.gpio });
  const busAddr = await bus.listen(
    o.simBus === "unix" ? { path: join(dir, "sim-bus.sock") } : { host: "127.0.0.1", port: 0 },
  );
  const mcu = board === "rpi-serial-mcu" ? await McuWorld.start(world) : undefined;
  world.start(10);

  const log: string[] = [];
  const group = new ProcessGroup({
    line: (name, line) => {
      if (!line.startsWith("{") || /"level":"(warn|error|fatal)"/.test(line)) log.push(`[${name}] ${line}`);
      if (log.length > 200) log.shift();
    },
  });
  const child = (name: string, file: string, env?: Record<string, string>) => {
    const a = name === "vehicle" && o.agent !== undefined ? o.agent : { command: process.execPath, args: [TETHYS] };
    const merged = a.env === undefined && env === undefined ? undefined : { ...(a.env ?? process.env), ...env };
    return group.start({
      name,
      command: a.command,
      args: [...a.args, name, "--config", file],
      ...(merged === undefined ? {} : { env: merged }),
    });
  };

  const sys: LatencySystem = {
    hubUrl: "",
    wsUrl: "",
    vehicleMetricsUrl: "",
    hubPid: 0,
    token,
    observerToken,
    world,
    board,
    pulses: () =>
      mcu === undefined
        ? CHANNELS.map((c) => world.pca9685.pulseUs(c))
        : CHANNELS.map((c) => mcu.mcu.latest?.thrusters[c] ?? 1500),
    onOutput: undefined,
    onPcaWrite: undefined,
    log,
    simBus: bus.stats,
    stop: async () => {
      await group.stop({ order: ["vehicle", "topside"] });
      world.stop();
      await mcu?.stop();
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  // Observe the PCA9685 model: every register write the agent's driver makes reaches it here.
  const pca = world.pca9685;
  const write = pca.write.bind(pca);
  pca.write = (data: Uint8Array): void => {
    write(data);
    sys.onPcaWrite?.();
    if (mcu === undefined) sys.onOutput?.();
  };
  mcu?.mcu.onPulses.on(() => sys.onOutput?.());

  try {
    const topsideFile = join(dir, "topside.toml");
    await writeFile(
      topsideFile,
      topsideConfig(
        level,
        await hashSecret(token),
        await hashSecret(observerToken),
        o.maxBrowsers,
        await readFile(keys.files.topsideSnippet, "utf8"),
        o.video,
      ),
    );
    const topside = await child("topside", topsideFile, o.hubEnv);
    sys.hubPid = await childPid("topside");
    const ports = topside.ports as { http: number; command: number; telemetry: number; video?: number };
    sys.hubUrl = String(topside.url);
    sys.wsUrl = `${sys.hubUrl.replace(/^http/, "ws")}ws`;
    const vehicleFile = join(dir, "vehicle.toml");
    await writeFile(
      vehicleFile,
      vehicleConfig(
        level,
        "path" in busAddr ? `unix:${busAddr.path}` : `tcp:127.0.0.1:${busAddr.port}`,
        ports,
        board,
        mcu?.path,
        await readFile(keys.files.vehicleSnippet, "utf8"),
        `${o.telemetryHz === undefined ? "" : `telemetry_hz = ${o.telemetryHz}\n`}${o.vehicleToml ?? ""}`,
        o.video,
      ),
    );
    const vehicle = await child("vehicle", vehicleFile);
    if (typeof vehicle.pid === "number") sys.vehiclePid = vehicle.pid;
    sys.vehicleMetricsUrl = String(vehicle.metrics);
  } catch (err) {
    await sys.stop();
    throw new Error(`the system did not start: ${String(err)}\n${log.join("\n")}`);
  }
  return sys;
}

/** Pid of this process's child running `tethys <role>` (from /proc; 0 when not found). */
async function childPid(role: string): Promise<number> {
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid !== process.pid) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (args.includes(role)) return Number(entry);
  }
  return 0;
}

const toml = (s: string) => JSON.stringify(s);
const noComments = (s: string) =>
  s
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");

function topsideConfig(
  level: string,
  pilotHash: string,
  observerHash: string,
  maxBrowsers: number | undefined,
  snippet: string,
  video?: LatencyVideo,
): string {
  return `[log]
level = ${toml(level)}
[metrics]
listen = ""
[topside]
host = "127.0.0.1"
http_port = 0
command_port = 0
telemetry_port = 0${video === undefined ? "" : `\nvideo_port = 0\nstatic_dir = ${toml(video.staticDir)}`}
[topside.auth]
pilot_hashes = [${toml(pilotHash)}]
observer_hashes = [${toml(observerHash)}]
anonymous_observers = true
${maxBrowsers === undefined ? "" : `[topside.limits]\nmax_browsers = ${maxBrowsers}\n`}
${noComments(snippet)}`;
}

function vehicleConfig(
  level: string,
  simBus: string,
  hub: { command: number; telemetry: number; video?: number },
  board: LatencyBoard,
  serialPort: string | undefined,
  snippet: string,
  extra: string,
  video?: LatencyVideo,
): string {
  const camera =
    video === undefined
      ? ""
      : `video_port = ${hub.video}
${video.nice === undefined ? "" : `[vehicle.video]\nnice = ${video.nice}\n`}[[vehicle.video.cameras]]
name = "front"
kind = "sim"
width = ${video.width}
height = ${video.height}
fps = ${video.fps}
bitrate_kbps = ${video.bitrateKbps}
`;
  return `[log]
level = ${toml(level)}
[metrics]
listen = "127.0.0.1:0"
[vehicle]
id = "rov1"
board = ${toml(board)}
backend = "sim"
sim_bus = ${toml(simBus)}${serialPort === undefined ? "" : `\nserial_port = ${toml(serialPort)}`}
${extra}
[vehicle.hub]
host = "127.0.0.1"
command_port = ${hub.command}
telemetry_port = ${hub.telemetry}
${camera}
${noComments(snippet)}`;
}
