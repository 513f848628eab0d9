import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { type LoadedConfig, loadConfigFile, requireRole } from "../config/load.ts";
import type { Role } from "../config/schema.ts";
import type { Clock } from "../kernel/clock.ts";
import { errorCode } from "../kernel/errors.ts";
import { RealClock } from "../kernel/real-clock.ts";
import { LogStream } from "../observability/log-stream.ts";
import { createLogging } from "../observability/logger.ts";
import {
  createRegistry,
  type HealthCheck,
  type MetricsServer,
  parseHostPort,
  serveMetrics,
} from "../observability/metrics.ts";
import { untilStopSignal } from "./signals.ts";

/**
 * What every long-running `tethys` service shares: config loading (failing fast with the
 * message naming file and key), JSON logs, the metrics endpoint, a `ready` log line (which
 * `tethys sim` waits for), and a clean stop on SIGINT/SIGTERM — the service's own `stop`
 * runs first (the agent neutralises thrusters there), then metrics close.
 */
export interface ServiceContext<R extends Role> {
  loaded: LoadedConfig;
  section: NonNullable<LoadedConfig["config"][R]>;
  clock: Clock;
  logger: Logger;
  registry: Registry;
}

export interface RunningService {
  /** Extra fields for the ready line (ports, URLs). */
  ready: Record<string, unknown>;
  /** What `/health` on the metrics endpoint reports (default: ok while the process runs). */
  health?: HealthCheck;
  stop(): Promise<void>;
}

export async function runService<R extends Role>(
  role: R,
  file: string,
  start: (ctx: ServiceContext<R>) => Promise<RunningService>,
): Promise<number> {
  const loaded = await loadConfigFile(file);
  const section = requireRole(loaded, role);
  // Every line also goes to `tethys logs` clients (served on the metrics listener).
  const logStream = new LogStream(process.stdout);
  const logging = createLogging(loaded.config.log, logStream, { role });
  const logger = logging.root;
  const registry = createRegistry({ role });
  const clock = new RealClock();
  let metrics: MetricsServer | undefined;
  let service: RunningService | undefined;
  const stopAll = async (): Promise<void> => {
    try {
      await service?.stop();
    } finally {
      logStream.close();
      await metrics?.close();
    }
  };
  try {
    service = await start({ loaded, section, clock, logger, registry });
    if (loaded.config.metrics.listen !== "") {
      metrics = await serveMetrics(
        registry,
        parseHostPort(loaded.config.metrics.listen),
        service.health,
        logStream.handler(loaded.config.log.stream_token),
      );
    }
  } catch (err) {
    logger.fatal({ code: errorCode(err), err }, `${role} failed to start`);
    await stopAll().catch(() => {});
    throw err;
  }
  // The ready line is printed whatever the log level: `tethys sim` and scripts wait for it.
  const ready = {
    ...service.ready,
    metrics: metrics ? `http://${metrics.address.address}:${metrics.address.port}/metrics` : undefined,
  };
  process.stdout.write(
    `${JSON.stringify({ level: "info", time: new Date().toISOString(), role, ...ready, msg: "ready" })}\n`,
  );
  const signal = await untilStopSignal();
  logger.info({ signal }, "stopping");
  await stopAll();
  logger.info("stopped");
  return 0;
}
