/**
 * `tethys sim`: the whole system on one machine — the simulated world (register-level devices
 * on a bus socket), the vehicle agent and the topside hub as three processes on loopback, with
 * development keys, a development pilot token and the cockpit bundle made on first start
 * (kept in `.tethys/dev/`). This file supervises them: it refuses a busy cockpit port, starts
 * the three (sim-wiring.ts says with what), prints the cockpit URL, and stops them in order —
 * the agent first (thrusters neutral; it tells the hub it is leaving), then the hub, then the
 * world — on Ctrl-C, during start-up too, or when one of them exits on its own.
 */
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import type { TetherHandle } from "../../simulator/tether/run-tether.ts";
import { TethysError } from "../kernel/errors.ts";
import { ProcessGroup } from "./process-group.ts";
import { untilStopSignal } from "./signals.ts";
import { prepareSimFiles, type SimStarted, type SimWiringOptions, startSimProcesses } from "./sim-wiring.ts";

export interface SimSystemOptions extends SimWiringOptions {
  out?: (line: string) => void;
  /** Called with the URL and token once all three are up (tests). */
  onReady?: (info: SimReadyInfo) => void;
  /** Resolves when the system should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
}

/** What `onReady` is told once world, hub and agent are up. */
export interface SimReadyInfo extends SimStarted {
  caFile: string;
  token: string;
  group: ProcessGroup;
  tethers: { telemetry?: TetherHandle; command?: TetherHandle; video?: TetherHandle };
}

/** The order the processes stop in: the agent first (thrusters neutral), the world last. */
const STOP_ORDER = ["vehicle", "topside", "world"];

export async function runSimSystem(o: SimSystemOptions = {}): Promise<number> {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  // Listen for Ctrl-C from the very start: a stop during start-up stops what has started.
  const until = o.until ?? untilStopSignal();
  const httpPort = o.httpPort ?? 8080;
  // Fail at once on a busy cockpit port (a second `npm start`), before anything starts; the hub's
  // own listen error is still recognised below if the port is taken in between.
  if (httpPort !== 0 && !(await portFree(httpPort))) throw portInUse(httpPort);
  const files = await prepareSimFiles(resolve(o.dir ?? ".tethys/dev"));

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
  const stopAll = async (): Promise<void> => {
    await group.stop({ order: STOP_ORDER });
    for (const t of tethers) await t.close();
  };

  const startAll = async (): Promise<void> => {
    const started = await startSimProcesses(group, files, { ...o, httpPort }, tethers, out);
    const shown = o.dir ?? ".tethys/dev";
    out("");
    out(`Tethys is running on the simulator: world, vehicle agent and topside hub.`);
    out(`  Sign in:     ${started.loginUrl}   (one-time link: signs the first browser to open it in as the pilot)`);
    out(`  Cockpit:     ${started.url}`);
    if (started.httpsUrl)
      out(
        `  HTTPS:       ${started.httpsUrl}   (trust ${join(shown, "keys/ca.crt")} for gamepads off localhost; docs/topside.md)`,
      );
    out(`  Pilot token: ${files.token}   (development token, kept in ${join(shown, "pilot-token")})`);
    out(`  Stop with Ctrl-C.`);
    out("");
    o.onReady?.({
      ...started,
      caFile: files.keys.files.caCert,
      token: files.token,
      group,
      tethers: {
        ...(tethers[0] ? { telemetry: tethers[0] } : {}),
        ...(tethers[1] ? { command: tethers[1] } : {}),
        ...(tethers[2] ? { video: tethers[2] } : {}),
      },
    });
  };
  const starting = startAll();
  const STOPPED = Symbol("stopped during start-up");
  try {
    if ((await Promise.race([starting, until.then(() => STOPPED)])) === STOPPED) {
      await group.stop({ order: STOP_ORDER });
      await starting.catch(() => {}); // what was starting fails now that the group is stopping
      for (const t of tethers) await t.close();
      out("Stopped during start-up; nothing left running.");
      return 0;
    }
  } catch (err) {
    await stopAll();
    throw startFailure(err, lines, httpPort, out);
  }

  const endedBy = await Promise.race([until.then(() => undefined), group.stopped]);
  await stopAll();
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

function summarise(line: string): string {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const err = (o.err as { message?: unknown } | undefined)?.message;
    return `${String(o.level)} ${o.code ? `${String(o.code)} ` : ""}${String(o.msg ?? "")}${err === undefined ? "" : `: ${String(err)}`}`;
  } catch {
    return line;
  }
}
