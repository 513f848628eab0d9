import type { Logger } from "pino";
import type { BoardBackends } from "../../hardware/boards/open-board.ts";
import { linuxBoardBackends, linuxSerialOpener } from "../../hardware/linux/backends.ts";
import { type NotifySocket, openNotifySocket } from "../../hardware/linux/sd-notify-socket.ts";
import { SimBusClient } from "../../simulator/bus/socket-client.ts";
import { parseBusTarget } from "../../simulator/bus/socket-server.ts";
import type { Clock } from "../kernel/clock.ts";
import { TethysError } from "../kernel/errors.ts";
import { notifySettingsFromEnv, SystemdNotifier } from "../observability/systemd-notify.ts";
import { startVehicle } from "../vehicle/service.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";
import { runService } from "./service-runner.ts";

/** `tethys vehicle --config FILE`: the vehicle agent. */
export function registerVehicleCommand(program: CliCommand, _io: CliIo): void {
  program
    .command("vehicle")
    .description("run the vehicle agent: sensors, control loop, thrusters, links to the hub")
    .requiredOption("--config <file>", "config file with a [vehicle] section")
    .action(async (opts: { config: string }) => {
      const exitCode: number = await runService(
        "vehicle",
        opts.config,
        async ({ loaded, section, clock, logger, registry }) => {
          const systemd = await openSystemd(logger);
          const { backends, close } = await openBackends(section.backend, section.sim_bus, clock);
          try {
            const svc = await startVehicle({
              config: section,
              configFile: loaded.sources.file,
              clock,
              logger,
              registry,
              backends,
              ...(systemd ? { onCycle: (now: number) => systemd.notifier.cycle(now) } : {}),
            });
            return {
              health: () => svc.health(),
              ready: {
                vehicle: section.id,
                board: section.board,
                backend: section.backend,
                systemd: systemd !== undefined,
              },
              stop: async () => {
                systemd?.notifier.stopping();
                await svc.stop();
                await close();
                systemd?.socket.close();
              },
            };
          } catch (err) {
            await close();
            systemd?.socket.close();
            throw err;
          }
        },
      );
      return exitCode;
    });
}

/**
 * Under systemd (`Type=notify`, NOTIFY_SOCKET set): READY=1 once the control loop runs and
 * WATCHDOG=1 from the loop (src/observability/systemd-notify.ts). Elsewhere: nothing.
 */
async function openSystemd(logger: Logger): Promise<{ notifier: SystemdNotifier; socket: NotifySocket } | undefined> {
  const settings = notifySettingsFromEnv(process.env, process.pid);
  if (settings === undefined) return undefined;
  const log = logger.child({ component: "systemd" });
  const socket = await openNotifySocket(settings.socket, (err) => log.warn({ code: err.code }, err.message));
  log.info({ socket: settings.socket, watchdogMs: settings.watchdogMs }, "notifying systemd");
  return { notifier: new SystemdNotifier((s) => socket.send(s), settings.watchdogMs), socket };
}

async function openBackends(
  kind: "linux" | "sim",
  simBus: string,
  clock: Clock,
): Promise<{ backends: BoardBackends; close: () => Promise<void> }> {
  if (kind === "linux") return { backends: await linuxBoardBackends(clock), close: async () => {} };
  const client = await SimBusClient.connect(parseSimBus(simBus));
  // The simulated MCU (rpi-serial-mcu) is a real pty on this host: serialport opens it.
  return {
    backends: { clock, i2c: async () => client.i2c, gpio: client.gpio, serial: linuxSerialOpener() },
    close: () => client.close(),
  };
}

export function parseSimBus(text: string): { path: string } | { host: string; port: number } {
  const t = parseBusTarget(text);
  if (t !== undefined && "path" in t) return t;
  if (t === undefined || t.port < 1) {
    throw new TethysError("CONFIG_INVALID", `vehicle.sim_bus: expected "tcp:HOST:PORT" or "unix:PATH", got "${text}"`);
  }
  return { host: t.host ?? "127.0.0.1", port: t.port };
}
