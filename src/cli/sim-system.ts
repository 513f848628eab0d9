import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runTether, type TetherHandle } from "../../simulator/tether/run-tether.ts";
import { buildCockpit } from "../cockpit/build.ts";
import { errorCode, TethysError } from "../kernel/errors.ts";
import { generateKeys } from "../keys/generate.ts";
import { devBundle } from "../release/dev-bundle.ts";
import { hashSecret } from "../topside/secrets.ts";
import { AGENT_NODE_FLAGS } from "./agent-runtime.ts";
import { ProcessGroup } from "./process-group.ts";
import { untilStopSignal } from "./signals.ts";

/**
 * `tethys sim`: the whole system on one machine — the simulated world (register-level devices
 * on a bus socket), the vehicle agent and the topside hub as three processes on loopback, with
 * development keys, a development pilot token and the cockpit bundle made on first start
 * (kept in `.tethys/dev/`). Prints the cockpit URL; Ctrl-C stops the agent first (thrusters
 * neutral), then the hub, then the world.
 */
export interface SimSystemOptions {
  /** Where keys, token and generated configs live (default .tethys/dev). */
  dir?: string;
  /** Cockpit HTTP port (default 8080; 0 picks a free one). */
  httpPort?: number;
  seed?: number;
  water?: "fresh" | "sea";
  logLevel?: string;
  out?: (line: string) => void;
  /** Called with the URL and token once all three are up (tests). */
  onReady?: (info: {
    url: string;
    httpsUrl: string | undefined;
    caFile: string;
    token: string;
    /** The one-time sign-in link (the cockpit URL with `#login=<code>`). */
    loginUrl: string;
    group: ProcessGroup;
    tethers: { telemetry?: TetherHandle; command?: TetherHandle; video?: TetherHandle };
    /** The /metrics URLs when `metrics` was asked for. */
    metrics: { topside?: string; vehicle?: string };
  }) => void;
  /** Resolves when the system should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
  /** Serve the hub's and the agent's Prometheus metrics on loopback (benchmarks; default off). */
  metrics?: boolean;
  /** The world records its truth (NDJSON) here (tests, and `--record`). */
  record?: string;
  /**
   * Route both links through the tether emulator, e.g. { loss: "20%", delay: "50ms" }: telemetry
   * through a UDP proxy with every impairment, commands through a TCP proxy with the ones a
   * stream can have (delay, jitter, rate, burst).
   */
  tether?: Record<string, string>;
  /** Record every dive to this directory (the hub's `[topside.dive_log]`, docs/dive-log.md). */
  diveLog?: string;
  /**
   * The vehicle's board profile: "rpi-pca9685" (default; thrusters over the simulated I2C),
   * "rpi-pca9685-psm" (the same with the Power Sense Module through the ADS1115) or
   * "rpi-serial-mcu" (thrusters through the host build of the motor controller firmware behind
   * a pty: the agent's serial code path is the real one).
   */
  board?: SimBoard;
  /**
   * How to start the vehicle agent: a program and the arguments that come before
   * `vehicle --config FILE`. Default: this Node running the agent bundle built from this source
   * tree (dist/dev/agent.mjs, rebuilt when a source changed; src/release/dev-bundle.ts), with
   * Node's compile cache beside it — or the TypeScript sources themselves when the environment
   * sets TETHYS_AGENT_RUN=source or the bundle cannot be built. Tests run the agent from a
   * release bundle this way, under qemu-user for an arm64 bundle.
   */
  agent?: { command: string; args: readonly string[]; env?: NodeJS.ProcessEnv };
  /**
   * The simulated camera (docs/video.md): a forward camera rendering the world from the vehicle's
   * attitude and depth, encoded by ffmpeg and relayed by the hub to the cockpit. `tethys sim`
   * turns it on; off by default here (it costs a core's fraction per run).
   */
  video?: SimVideo | undefined;
}

/** The simulated camera's picture size, rate, bitrate and keyframe interval. */
export interface SimVideo {
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  keyframeIntervalS?: number;
}

export const SIM_BOARDS = ["rpi-pca9685", "rpi-pca9685-psm", "rpi-serial-mcu"] as const;
export type SimBoard = (typeof SIM_BOARDS)[number];

/** Checks `--board`: a board the simulated world can be wired to. */
export function parseSimBoard(v: string | undefined): SimBoard {
  if (v === undefined) return "rpi-pca9685";
  if ((SIM_BOARDS as readonly string[]).includes(v)) return v as SimBoard;
  throw new TethysError("SIM_CLI_ARG", `--board: expected one of ${SIM_BOARDS.join(", ")}, got "${v}"`);
}

/** Impairments a TCP stream can have (it cannot lose, duplicate or reorder bytes). */
const TCP_KEYS = new Set(["delay", "jitter", "rate", "burst", "queueLimit"]);

/** Parses `--tether loss=20%,delay=50ms` into options for the tether emulator. */
export function parseTetherSpec(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const i = part.indexOf("=");
    if (i <= 0)
      throw new TethysError(
        "SIM_CLI_ARG",
        `--tether: expected key=value pairs like loss=20%,delay=50ms, got "${part}"`,
      );
    out[part.slice(0, i).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = part.slice(i + 1);
  }
  return out;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TETHYS = join(ROOT, "src/cli/tethys.ts");

/**
 * The agent as bundled JavaScript (the lean start a board gets from its release), built into
 * dist/dev/ when the sources changed, started from its V8 startup snapshot where one was built;
 * the bundle as an ES module when TETHYS_AGENT_RUN=module; the type-stripped sources when
 * TETHYS_AGENT_RUN=source or the build fails (said on a line of its own).
 *
 * `workers`: the agent will start worker threads (the simulated camera renders in one). Node 24
 * aborts a worker that loads `node:child_process` in a process started from a user-land startup
 * snapshot (an assertion in its pipe binding), so such an agent runs the bundle as a module.
 */
export async function agentLauncher(
  out: (line: string) => void,
  options: { workers?: boolean } = {},
): Promise<{ command: string; args: readonly string[]; env?: NodeJS.ProcessEnv }> {
  const source = { command: process.execPath, args: [...AGENT_NODE_FLAGS, TETHYS] };
  if (process.env.TETHYS_AGENT_RUN === "source") return source;
  const moduleOnly = process.env.TETHYS_AGENT_RUN === "module" || options.workers === true;
  try {
    const { file, snapshot } = await devBundle(ROOT);
    return {
      command: process.execPath,
      // The startup snapshot when this Node could build one (src/release/dev-bundle.ts).
      args:
        snapshot === undefined || moduleOnly
          ? [...AGENT_NODE_FLAGS, file]
          : [...AGENT_NODE_FLAGS, "--snapshot-blob", snapshot],
      env: { ...process.env, NODE_COMPILE_CACHE: join(ROOT, "dist", "dev", "compile-cache") },
    };
  } catch (err) {
    out(`The agent runs from its TypeScript sources: its bundle could not be built (${errorCode(err)}).`);
    return source;
  }
}

export async function runSimSystem(o: SimSystemOptions = {}): Promise<number> {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  // Listen for Ctrl-C from the very start: a stop during start-up stops what has started.
  const until = o.until ?? untilStopSignal();
  const httpPort = o.httpPort ?? 8080;
  // Fail at once on a busy cockpit port (a second `npm start`), before anything starts; the hub's
  // own listen error is still recognised below if the port is taken in between.
  if (httpPort !== 0 && !(await portFree(httpPort))) throw portInUse(httpPort);
  const dir = resolve(o.dir ?? ".tethys/dev");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const keys = await generateKeys({ dir: join(dir, "keys"), reuse: true, configDir: dir });
  const token = await devToken(join(dir, "pilot-token"));
  // The one-time sign-in link (as Jupyter's): a new code each start, only its hash in the hub's
  // config; printed once on this terminal, in the URL's fragment (never sent to the hub in a GET).
  const loginCode = randomBytes(18).toString("base64url");
  const loginHash = `sha256:${createHash("sha256").update(loginCode).digest("hex")}`;
  // Built on every start (≈ 0.3 s), so the cockpit always matches the code being run.
  const cockpit = (await buildCockpit()).outDir;
  const level = o.logLevel ?? "warn";
  const metricsListen = o.metrics === true ? "127.0.0.1:0" : "";

  const lines: string[] = [];
  const tethers: TetherHandle[] = [];
  const group = new ProcessGroup({
    line: (name, line) => {
      lines.push(`${name}: ${line}`);
      if (lines.length > 200) lines.shift();
      if (!line.startsWith("{")) out(`[${name}] ${line}`);
      else if (/"level":"(warn|error|fatal)"/.test(line)) out(`[${name}] ${summarise(line)}`);
    },
  });
  const child = (name: string, args: string[], readyWhen?: (l: Record<string, unknown>) => boolean) =>
    group.start({ name, command: process.execPath, args: [TETHYS, ...args], ...(readyWhen ? { readyWhen } : {}) });

  const board = o.board ?? "rpi-pca9685";
  const mcuArgs = board === "rpi-serial-mcu" ? ["--mcu"] : [];
  const startAll = async (): Promise<void> => {
    const recordArgs = o.record === undefined ? [] : ["--record", resolve(o.record)];
    const world = await child(
      "world",
      [
        "sim",
        "--world-only",
        "--listen",
        "tcp:0",
        "--seed",
        String(o.seed ?? 1),
        "--water",
        o.water ?? "fresh",
        ...recordArgs,
        ...mcuArgs,
      ],
      (l) => l.type === "listening",
    );
    const topsideFile = join(dir, "topside.toml");
    await writeFile(
      topsideFile,
      topsideConfig(
        level,
        metricsListen,
        httpPort,
        cockpit,
        await hashSecret(token),
        loginHash,
        await readFile(keys.files.topsideSnippet, "utf8"),
        o.video !== undefined,
      ) + (o.diveLog === undefined ? "" : `\n[topside.dive_log]\nenabled = true\ndir = ${toml(o.diveLog)}\n`),
      { mode: 0o600 },
    );
    const topside = await child("topside", ["topside", "--config", topsideFile]);
    let ports = topside.ports as { http: number; command: number; telemetry: number; video?: number };
    if (o.tether !== undefined) {
      const stream = Object.fromEntries(
        Object.entries(o.tether).filter(([k]) => TCP_KEYS.has(k.replace(/(Up|Down)$/, ""))),
      );
      const udp = await runTether({ ...o.tether, target: `127.0.0.1:${ports.telemetry}`, protocol: "udp" });
      const tcp = await runTether({ ...stream, target: `127.0.0.1:${ports.command}`, protocol: "tcp" });
      tethers.push(udp, tcp);
      ports = { ...ports, telemetry: udp.address.port, command: tcp.address.port };
      if (ports.video !== undefined) {
        const video = await runTether({ ...stream, target: `127.0.0.1:${ports.video}`, protocol: "tcp" });
        tethers.push(video);
        ports = { ...ports, video: video.address.port };
      }
      out(
        `Links through the tether emulator: telemetry ${JSON.stringify(o.tether)}, commands ${JSON.stringify(stream)}`,
      );
    }
    const vehicleFile = join(dir, "vehicle.toml");
    await writeFile(
      vehicleFile,
      vehicleConfig(
        level,
        metricsListen,
        Number(world.port),
        ports,
        board,
        typeof world.mcu === "string" ? world.mcu : undefined,
        await readFile(keys.files.vehicleSnippet, "utf8"),
        o.video,
      ),
      { mode: 0o600 },
    );
    const agent = o.agent ?? (await agentLauncher(out, { workers: o.video !== undefined }));
    const vehicle = await group.start({
      name: "vehicle",
      command: agent.command,
      args: [...agent.args, "vehicle", "--config", vehicleFile],
      ...(agent.env ? { env: agent.env } : {}),
    });
    const url = String(topside.url);
    const loginUrl = `${url.replace(/\/?$/, "/")}#login=${loginCode}`;
    out("");
    out(`Tethys is running on the simulator: world, vehicle agent and topside hub.`);
    out(`  Sign in:     ${loginUrl}   (one-time link: signs the first browser to open it in as the pilot)`);
    out(`  Cockpit:     ${url}`);
    if (topside.httpsUrl)
      out(
        `  HTTPS:       ${String(topside.httpsUrl)}   (trust ${join(o.dir ?? ".tethys/dev", "keys/ca.crt")} for gamepads off localhost; docs/topside.md)`,
      );
    out(`  Pilot token: ${token}   (development token, kept in ${join(o.dir ?? ".tethys/dev", "pilot-token")})`);
    out(`  Stop with Ctrl-C.`);
    out("");
    o.onReady?.({
      url,
      httpsUrl: topside.httpsUrl === undefined ? undefined : String(topside.httpsUrl),
      caFile: keys.files.caCert,
      token,
      loginUrl,
      group,
      tethers: {
        ...(tethers[0] ? { telemetry: tethers[0] } : {}),
        ...(tethers[1] ? { command: tethers[1] } : {}),
        ...(tethers[2] ? { video: tethers[2] } : {}),
      },
      metrics: {
        ...(typeof topside.metrics === "string" ? { topside: topside.metrics } : {}),
        ...(typeof vehicle.metrics === "string" ? { vehicle: vehicle.metrics } : {}),
      },
    });
  };
  const starting = startAll();
  const STOPPED = Symbol("stopped during start-up");
  try {
    if ((await Promise.race([starting, until.then(() => STOPPED)])) === STOPPED) {
      await group.stop({ order: ["vehicle", "topside", "world"] });
      await starting.catch(() => {}); // what was starting fails now that the group is stopping
      for (const t of tethers) await t.close();
      out("Stopped during start-up; nothing left running.");
      return 0;
    }
  } catch (err) {
    await group.stop({ order: ["vehicle", "topside", "world"] });
    for (const t of tethers) await t.close();
    throw startFailure(err, lines, httpPort, out);
  }

  const endedBy = await Promise.race([until.then(() => undefined), group.stopped]);
  await group.stop({ order: ["vehicle", "topside", "world"] });
  for (const t of tethers) await t.close();
  if (endedBy !== undefined) {
    for (const l of lines.slice(-20)) out(l);
    out(`${endedBy} exited on its own; the system was stopped.`);
    return 1;
  }
  out("Stopped: thrusters neutral, links closed.");
  return 0;
}

/**
 * Why the system did not start, for the user: a cockpit port in use names the port and
 * `--http-port`; otherwise the children's last log lines (summarised, without stack traces).
 */
function startFailure(err: unknown, lines: readonly string[], httpPort: number, out: (l: string) => void): TethysError {
  const inUse = lines.find((l) => l.startsWith("topside: {") && l.includes('"code":"TOPSIDE_PORT_IN_USE"'));
  if (inUse?.includes("topside.http_port")) return portInUse(httpPort, err);
  for (const l of lines.slice(-20)) {
    const i = l.indexOf(": ");
    out(l.slice(i + 2).startsWith("{") ? `${l.slice(0, i)}: ${summarise(l.slice(i + 2))}` : l);
  }
  return err instanceof TethysError
    ? err
    : new TethysError("SIM_SYSTEM", `the simulated system did not start: ${String(err)}`, { cause: err });
}

function portInUse(port: number, cause?: unknown): TethysError {
  return new TethysError(
    "SIM_PORT_IN_USE",
    `the cockpit's HTTP port ${port} on 127.0.0.1 is in use (another tethys sim running?): stop it, or choose another port with --http-port (--http-port 0 picks a free one)`,
    { ...(cause === undefined ? {} : { cause }), details: { port } },
  );
}

/** Whether 127.0.0.1:`port` can be listened on right now (the hub's address in `tethys sim`). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

async function devToken(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const token = randomBytes(9).toString("base64url");
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

function summarise(line: string): string {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const err = (o.err as { message?: unknown } | undefined)?.message;
    return `${String(o.level)} ${o.code ? `${String(o.code)} ` : ""}${String(o.msg ?? "")}${err === undefined ? "" : `: ${String(err)}`}`;
  } catch {
    return line;
  }
}

const toml = (s: string) => JSON.stringify(s);

function topsideConfig(
  level: string,
  metrics: string,
  httpPort: number,
  cockpit: string,
  pilotHash: string,
  loginHash: string,
  snippet: string,
  video: boolean,
): string {
  return `# Generated by tethys sim on each start; edit deploy/config/ examples for real deployments.
[log]
level = ${toml(level)}
[metrics]
listen = ${toml(metrics)}
[topside]
host = "127.0.0.1"
http_port = ${httpPort}
https_port = 0
command_port = 0
telemetry_port = 0${video ? "\nvideo_port = 0" : ""}
static_dir = ${toml(cockpit)}
[topside.auth]
pilot_hashes = [${toml(pilotHash)}]
anonymous_observers = true
login_link_hash = ${toml(loginHash)}

${stripComments(snippet)}`;
}

function vehicleConfig(
  level: string,
  metrics: string,
  worldPort: number,
  hub: { command: number; telemetry: number; video?: number },
  board: SimBoard,
  serialPort: string | undefined,
  snippet: string,
  video: SimVideo | undefined,
): string {
  const camera =
    video === undefined || hub.video === undefined
      ? ""
      : `
[vehicle.video]
[[vehicle.video.cameras]]
name = "front"
kind = "sim"
width = ${video.width ?? 640}
height = ${video.height ?? 360}
fps = ${video.fps ?? 30}
bitrate_kbps = ${video.bitrateKbps ?? 1500}
keyframe_interval_s = ${video.keyframeIntervalS ?? 1}
`;
  return `# Generated by tethys sim on each start.
[log]
level = ${toml(level)}
[metrics]
listen = ${toml(metrics)}
[vehicle]
id = "rov1"
board = ${toml(board)}
backend = "sim"
sim_bus = "tcp:127.0.0.1:${worldPort}"${serialPort === undefined ? "" : `\nserial_port = ${toml(serialPort)}`}
state_file = "vehicle-state.json"
[vehicle.hub]
host = "127.0.0.1"
command_port = ${hub.command}
telemetry_port = ${hub.telemetry}${hub.video === undefined ? "" : `\nvideo_port = ${hub.video}`}
${camera}
${stripComments(snippet)}`;
}

function stripComments(s: string): string {
  return s
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
}
