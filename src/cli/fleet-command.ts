import { readFile } from "node:fs/promises";
import { FleetView, renderFleetTable } from "../fleet/fleet-view.ts";
import { fleetFilter, isFleetSegment } from "../fleet/topics.ts";
import { TethysError } from "../kernel/errors.ts";
import { RealClock } from "../kernel/real-clock.ts";
import { FleetSession } from "../links/mqtt/fleet-session.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";
import { untilStopSignal } from "./signals.ts";

/**
 * `tethys fleet --broker URL`: every vehicle on a fleet broker as a live terminal table
 * (vehicle, site, hub, online, armed, mode, depth, battery, active alarms, last seen) — docs/fleet.md.
 * `--once` prints the table once, when `--vehicles N` are known or after `--wait` ms, and exits.
 */
interface FleetOptions {
  broker: string;
  site?: string;
  ca?: string;
  cert?: string;
  key?: string;
  username?: string;
  passwordFile?: string;
  once?: boolean;
  vehicles?: string;
  wait: string;
}

const URL_RE = /^mqtts?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;
const CLEAR = "\x1b[H\x1b[2J";

async function readOpt(path: string | undefined, what: string): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (err) {
    throw new TethysError("FLEET_FILE", `--${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
  }
}

export function registerFleetCommand(program: CliCommand, io: CliIo): void {
  program
    .command("fleet")
    .description("watch every vehicle on a fleet MQTT broker as a live table (read-only)")
    .requiredOption("--broker <url>", "mqtt://host:port or mqtts://host:port")
    .option("--site <site>", "only this site (default: all)")
    .option("--ca <file>", "the broker's CA (PEM), pinned: the only one trusted")
    .option("--cert <file>", "client certificate (PEM)")
    .option("--key <file>", "client key (PEM)")
    .option("--username <name>", "broker username")
    .option("--password-file <file>", "file whose first line is the password")
    .option("--once", "print the table once and exit")
    .option("--vehicles <n>", "with --once: print as soon as this many vehicles are known")
    .option("--wait <ms>", "with --once: print after this long at most", "3000")
    .action(async (opts: FleetOptions) => {
      if (!URL_RE.test(opts.broker))
        throw new TethysError(
          "FLEET_BAD_URL",
          `--broker ${opts.broker}: expected mqtt://host:port or mqtts://host:port`,
        );
      if (opts.site !== undefined && !isFleetSegment(opts.site))
        throw new TethysError(
          "FLEET_BAD_TOPIC",
          `--site ${opts.site}: expected 1–32 lower-case letters, digits or dashes`,
        );
      const wantVehicles = opts.vehicles === undefined ? undefined : Number(opts.vehicles);
      const waitMs = Number(opts.wait);
      if ((wantVehicles !== undefined && !(Number.isInteger(wantVehicles) && wantVehicles > 0)) || !(waitMs > 0)) {
        io.err("tethys fleet: --vehicles must be a positive integer and --wait a positive number of ms\n");
        return 2;
      }
      const [ca, cert, key, pw] = await Promise.all([
        readOpt(opts.ca, "ca"),
        readOpt(opts.cert, "cert"),
        readOpt(opts.key, "key"),
        readOpt(opts.passwordFile, "password-file"),
      ]);
      const clock = new RealClock();
      const view = new FleetView();
      const session = new FleetSession(
        {
          url: opts.broker,
          clientId: `tethys-fleet-${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`,
          ...(opts.username === undefined ? {} : { username: opts.username }),
          ...(pw === undefined ? {} : { password: pw.toString("utf8").split(/\r?\n/)[0] as string }),
          ...(ca === undefined ? {} : { ca }),
          ...(cert === undefined ? {} : { cert }),
          ...(key === undefined ? {} : { key }),
          protocol: "auto",
          keepaliveS: 30,
          connectTimeoutMs: 10_000,
          subscriptions: [fleetFilter(opts.site)],
          backoff: { initialMs: 500, maxMs: 10_000 },
          maxBacklogBytes: 65_536,
        },
        clock,
      );
      session.on("down", (e) => io.err(`tethys fleet: ${e.code}: ${e.message}\n`));
      const table = () => renderFleetTable(view.rows(), Date.now());
      if (opts.once === true) {
        const done = new Promise<void>((resolve) => {
          const t = clock.setTimer(waitMs, resolve);
          session.on("message", (topic, payload) => {
            view.apply(topic, payload, Date.now());
            if (wantVehicles !== undefined && view.size >= wantVehicles) {
              t.cancel();
              resolve();
            }
          });
        });
        session.start();
        await done;
        await session.stop();
        io.out(table());
        return view.size > 0 || wantVehicles === undefined ? 0 : 1;
      }
      // Live: a change redraws within 250 ms (changes in between share one redraw); the ages tick every second.
      let pending: { cancel(): void } | undefined;
      const draw = (): void => {
        pending?.cancel();
        pending = undefined;
        io.out(`${CLEAR}tethys fleet · ${opts.broker} · ${session.up ? "connected" : "connecting…"}\n\n${table()}`);
      };
      session.on("message", (topic, payload) => {
        if (view.apply(topic, payload, Date.now())) pending ??= clock.setTimer(250, draw);
      });
      const slow = clock.setInterval(1000, draw);
      session.start();
      draw();
      await untilStopSignal();
      slow.cancel();
      pending?.cancel();
      await session.stop();
      return 0;
    });
}
