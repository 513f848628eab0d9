/**
 * The wiring of `tethys sim`'s three processes: the development files they share (keys, pilot
 * token, a one-time sign-in code, the cockpit bundle), the world's arguments, the hub's and the
 * agent's generated configs, the tether emulator between them, and how the agent is launched.
 * `startSimProcesses` starts world, hub and agent in that order in a `ProcessGroup`; supervising
 * them (stop signal, stop order, failures) is sim-system.ts.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runTether, type TetherHandle } from "../../simulator/tether/run-tether.ts";
import { buildCockpit } from "../cockpit/build.ts";
import { errorCode, TethysError } from "../kernel/errors.ts";
import { generateKeys } from "../keys/generate.ts";
import { devBundle } from "../release/dev-bundle.ts";
import { hashSecret } from "../topside/secrets.ts";
import { AGENT_NODE_FLAGS } from "./agent-runtime.ts";
import type { ProcessGroup } from "./process-group.ts";
import { diveLogSection, type SimBoard, type SimVideo, topsideConfig, vehicleConfig } from "./sim-configs.ts";

/** What the three processes are started with. */
export interface SimWiringOptions {
  /** Where keys, token and generated configs live (default .tethys/dev). */
  dir?: string;
  /** Cockpit HTTP port (default 8080; 0 picks a free one). */
  httpPort?: number;
  seed?: number;
  water?: "fresh" | "sea";
  logLevel?: string;
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

/** The development files the processes share, made (or reused) in `dir` before they start. */
export interface SimFiles {
  dir: string;
  keys: Awaited<ReturnType<typeof generateKeys>>;
  /** The development pilot token (kept in `dir`/pilot-token). */
  token: string;
  /** This start's one-time sign-in code; only its hash goes into the hub's config. */
  loginCode: string;
  /** The cockpit bundle's directory, built on every start. */
  cockpit: string;
}

/** Makes (or reuses) the keys and token in `dir`, a new sign-in code and the cockpit bundle. */
export async function prepareSimFiles(dir: string): Promise<SimFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const keys = await generateKeys({ dir: join(dir, "keys"), reuse: true, configDir: dir });
  const token = await devToken(join(dir, "pilot-token"));
  // The one-time sign-in link (as Jupyter's): a new code each start, only its hash in the hub's
  // config; printed once on this terminal, in the URL's fragment (never sent to the hub in a GET).
  const loginCode = randomBytes(18).toString("base64url");
  // Built on every start (≈ 0.3 s), so the cockpit always matches the code being run.
  const cockpit = (await buildCockpit()).outDir;
  return { dir, keys, token, loginCode, cockpit };
}

/** What the hub and the agent reported once all three processes were up. */
export interface SimStarted {
  url: string;
  httpsUrl: string | undefined;
  /** The one-time sign-in link (the cockpit URL with `#login=<code>`). */
  loginUrl: string;
  /** The /metrics URLs when `metrics` was asked for. */
  metrics: { topside?: string; vehicle?: string };
}

/**
 * Starts the world, then the hub (its config written from `files`), then the tether emulator
 * when asked for (each proxy pushed onto `tethers` as it starts, for the caller to close), then
 * the agent (its config naming the world's bus and the hub's ports, or the tether's); resolves
 * once all three are up.
 */
export async function startSimProcesses(
  group: ProcessGroup,
  files: SimFiles,
  o: SimWiringOptions,
  tethers: TetherHandle[],
  out: (line: string) => void,
): Promise<SimStarted> {
  const child = (name: string, args: string[], readyWhen?: (l: Record<string, unknown>) => boolean) =>
    group.start({ name, command: process.execPath, args: [TETHYS, ...args], ...(readyWhen ? { readyWhen } : {}) });
  const level = o.logLevel ?? "warn";
  const metricsListen = o.metrics === true ? "127.0.0.1:0" : "";
  const board = o.board ?? "rpi-pca9685";
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
      ...(o.record === undefined ? [] : ["--record", resolve(o.record)]),
      ...(board === "rpi-serial-mcu" ? ["--mcu"] : []),
    ],
    (l) => l.type === "listening",
  );
  const topsideFile = join(files.dir, "topside.toml");
  const loginHash = `sha256:${createHash("sha256").update(files.loginCode).digest("hex")}`;
  await writeFile(
    topsideFile,
    topsideConfig(
      level,
      metricsListen,
      o.httpPort ?? 8080,
      files.cockpit,
      await hashSecret(files.token),
      loginHash,
      await readFile(files.keys.files.topsideSnippet, "utf8"),
      o.video !== undefined,
    ) + diveLogSection(o.diveLog),
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
    out(`Links through the tether emulator: telemetry ${JSON.stringify(o.tether)}, commands ${JSON.stringify(stream)}`);
  }
  const vehicleFile = join(files.dir, "vehicle.toml");
  await writeFile(
    vehicleFile,
    vehicleConfig(
      level,
      metricsListen,
      Number(world.port),
      ports,
      board,
      typeof world.mcu === "string" ? world.mcu : undefined,
      await readFile(files.keys.files.vehicleSnippet, "utf8"),
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
  return {
    url,
    httpsUrl: topside.httpsUrl === undefined ? undefined : String(topside.httpsUrl),
    loginUrl: `${url.replace(/\/?$/, "/")}#login=${files.loginCode}`,
    metrics: {
      ...(typeof topside.metrics === "string" ? { topside: topside.metrics } : {}),
      ...(typeof vehicle.metrics === "string" ? { vehicle: vehicle.metrics } : {}),
    },
  };
}

async function devToken(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const token = randomBytes(9).toString("base64url");
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}
