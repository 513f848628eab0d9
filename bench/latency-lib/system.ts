import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SimBusServer } from "../../simulator/bus/socket-server.ts";
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
 */
export interface LatencySystem {
  /** Hub HTTP base, e.g. http://127.0.0.1:PORT/ (also serves /metrics). */
  hubUrl: string;
  wsUrl: string;
  /** The vehicle's own /metrics URL. */
  vehicleMetricsUrl: string;
  token: string;
  world: World;
  onPcaWrite: (() => void) | undefined;
  /** Lines the children printed (warnings and errors), for the report when something fails. */
  log: string[];
  stop(): Promise<void>;
}

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
}

export async function startLatencySystem(o: { logLevel?: string; video?: LatencyVideo } = {}): Promise<LatencySystem> {
  const dir = await mkdtemp(join(tmpdir(), "tethys-latency-"));
  const level = o.logLevel ?? "warn";
  const keys = await generateKeys({ dir: join(dir, "keys"), configDir: dir });
  const token = randomBytes(9).toString("base64url");

  const clock = new RealClock();
  const world = new World(clock, { seed: 1 });
  const bus = new SimBusServer({ i2c: world.i2c, gpio: world.gpio });
  const busAddr = (await bus.listen({ host: "127.0.0.1", port: 0 })) as { port: number };
  world.start(10);

  const log: string[] = [];
  const group = new ProcessGroup({
    line: (name, line) => {
      if (!line.startsWith("{") || /"level":"(warn|error|fatal)"/.test(line)) log.push(`[${name}] ${line}`);
      if (log.length > 200) log.shift();
    },
  });
  const child = (name: string, file: string) =>
    group.start({ name, command: process.execPath, args: [TETHYS, name, "--config", file] });

  const sys: LatencySystem = {
    hubUrl: "",
    wsUrl: "",
    vehicleMetricsUrl: "",
    token,
    world,
    onPcaWrite: undefined,
    log,
    stop: async () => {
      await group.stop({ order: ["vehicle", "topside"] });
      world.stop();
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
  };

  try {
    const topsideFile = join(dir, "topside.toml");
    await writeFile(
      topsideFile,
      topsideConfig(level, await hashSecret(token), await readFile(keys.files.topsideSnippet, "utf8"), o.video),
    );
    const topside = await child("topside", topsideFile);
    const ports = topside.ports as { http: number; command: number; telemetry: number; video?: number };
    sys.hubUrl = String(topside.url);
    sys.wsUrl = `${sys.hubUrl.replace(/^http/, "ws")}ws`;
    const vehicleFile = join(dir, "vehicle.toml");
    await writeFile(
      vehicleFile,
      vehicleConfig(level, busAddr.port, ports, await readFile(keys.files.vehicleSnippet, "utf8"), o.video),
    );
    const vehicle = await child("vehicle", vehicleFile);
    sys.vehicleMetricsUrl = String(vehicle.metrics);
  } catch (err) {
    await sys.stop();
    throw new Error(`the system did not start: ${String(err)}\n${log.join("\n")}`);
  }
  return sys;
}

const toml = (s: string) => JSON.stringify(s);
const noComments = (s: string) =>
  s
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");

function topsideConfig(level: string, pilotHash: string, snippet: string, video?: LatencyVideo): string {
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
anonymous_observers = true

${noComments(snippet)}`;
}

function vehicleConfig(
  level: string,
  busPort: number,
  hub: { command: number; telemetry: number; video?: number },
  snippet: string,
  video?: LatencyVideo,
): string {
  const camera =
    video === undefined
      ? ""
      : `video_port = ${hub.video}
[[vehicle.video.cameras]]
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
board = "rpi-pca9685"
backend = "sim"
sim_bus = "tcp:127.0.0.1:${busPort}"
[vehicle.hub]
host = "127.0.0.1"
command_port = ${hub.command}
telemetry_port = ${hub.telemetry}
${camera}
${noComments(snippet)}`;
}
