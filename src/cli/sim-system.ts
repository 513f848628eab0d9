import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCockpit, DEFAULT_COCKPIT_DIR } from "../cockpit/build.ts";
import { TethysError } from "../errors.ts";
import { generateKeys } from "../keys/generate.ts";
import { hashSecret } from "../topside/secrets.ts";
import { ProcessGroup } from "./process-group.ts";

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
  onReady?: (info: { url: string; httpsUrl: string | undefined; caFile: string; token: string; group: ProcessGroup }) => void;
  /** Resolves when the system should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
  /** The world records its truth (NDJSON) here (tests, and `--record`). */
  record?: string;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TETHYS = join(ROOT, "src/cli/tethys.ts");

export async function runSimSystem(o: SimSystemOptions = {}): Promise<number> {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const dir = resolve(o.dir ?? ".tethys/dev");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const keys = await generateKeys({ dir: join(dir, "keys"), reuse: true, configDir: dir });
  const token = await devToken(join(dir, "pilot-token"));
  const cockpit = existsSync(join(DEFAULT_COCKPIT_DIR, "index.html")) ? DEFAULT_COCKPIT_DIR : (await buildCockpit()).outDir;
  const level = o.logLevel ?? "warn";

  const lines: string[] = [];
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

  try {
    const recordArgs = o.record === undefined ? [] : ["--record", resolve(o.record)];
    const world = await child(
      "world",
      ["sim", "--world-only", "--listen", "tcp:0", "--seed", String(o.seed ?? 1), "--water", o.water ?? "fresh", ...recordArgs],
      (l) => l.type === "listening",
    );
    const topsideFile = join(dir, "topside.toml");
    await writeFile(topsideFile, topsideConfig(level, o.httpPort ?? 8080, cockpit, await hashSecret(token), await readFile(keys.files.topsideSnippet, "utf8")), { mode: 0o600 });
    const topside = await child("topside", ["topside", "--config", topsideFile]);
    const ports = topside.ports as { http: number; command: number; telemetry: number };
    const vehicleFile = join(dir, "vehicle.toml");
    await writeFile(vehicleFile, vehicleConfig(level, Number(world.port), ports, await readFile(keys.files.vehicleSnippet, "utf8")), { mode: 0o600 });
    await child("vehicle", ["vehicle", "--config", vehicleFile]);
    const url = String(topside.url);
    out("");
    out(`Tethys is running on the simulator: world, vehicle agent and topside hub.`);
    out(`  Cockpit:     ${url}`);
    if (topside.httpsUrl) out(`  HTTPS:       ${String(topside.httpsUrl)}   (trust ${join(o.dir ?? ".tethys/dev", "keys/ca.crt")} for gamepads off localhost; docs/topside.md)`);
    out(`  Pilot token: ${token}   (development token, kept in ${join(o.dir ?? ".tethys/dev", "pilot-token")})`);
    out(`  Stop with Ctrl-C.`);
    out("");
    o.onReady?.({ url, httpsUrl: topside.httpsUrl === undefined ? undefined : String(topside.httpsUrl), caFile: keys.files.caCert, token, group });
  } catch (err) {
    await group.stop(undefined, ["vehicle", "topside", "world"]);
    for (const l of lines.slice(-20)) out(l);
    throw err instanceof TethysError ? err : new TethysError("SIM_SYSTEM", `the simulated system did not start: ${String(err)}`, { cause: err });
  }

  const until =
    o.until ??
    new Promise<void>((res) => {
      process.once("SIGINT", () => res());
      process.once("SIGTERM", () => res());
    });
  const endedBy = await Promise.race([until.then(() => undefined), group.stopped]);
  await group.stop(undefined, ["vehicle", "topside", "world"]);
  if (endedBy !== undefined) {
    for (const l of lines.slice(-20)) out(l);
    out(`${endedBy} exited on its own; the system was stopped.`);
    return 1;
  }
  out("Stopped: thrusters neutral, links closed.");
  return 0;
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
    return `${String(o.level)} ${o.code ? `${String(o.code)} ` : ""}${String(o.msg ?? "")}`;
  } catch {
    return line;
  }
}

const toml = (s: string) => JSON.stringify(s);

function topsideConfig(level: string, httpPort: number, cockpit: string, pilotHash: string, snippet: string): string {
  return `# Generated by tethys sim on each start; edit deploy/config/ examples for real deployments.
[log]
level = ${toml(level)}
[metrics]
listen = ""
[topside]
host = "127.0.0.1"
http_port = ${httpPort}
https_port = 0
command_port = 0
telemetry_port = 0
static_dir = ${toml(cockpit)}
[topside.auth]
pilot_hashes = [${toml(pilotHash)}]
anonymous_observers = true

${stripComments(snippet)}`;
}

function vehicleConfig(level: string, worldPort: number, hub: { command: number; telemetry: number }, snippet: string): string {
  return `# Generated by tethys sim on each start.
[log]
level = ${toml(level)}
[metrics]
listen = ""
[vehicle]
id = "rov1"
board = "rpi-pca9685"
backend = "sim"
sim_bus = "tcp:127.0.0.1:${worldPort}"
[vehicle.hub]
host = "127.0.0.1"
command_port = ${hub.command}
telemetry_port = ${hub.telemetry}

${stripComments(snippet)}`;
}

function stripComments(s: string): string {
  return s
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
}
