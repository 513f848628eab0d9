import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

/**
 * Structured JSON logs (pino). One root logger per process, one child per component
 * (`component` field), each with the level from `[log]` config: `components.<name>` overrides
 * `level`. Secrets never reach a log line: keys named below are redacted wherever they appear
 * at the first two levels of a log object.
 */
export type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface LogConfig {
  level: Level;
  components: Record<string, Level>;
}

const SECRET_KEYS = ["psk", "key", "password", "token", "secret", "privateKey", "authorization", "cookie"];
export const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`)];

export interface Logging {
  root: Logger;
  /** Child logger for a component, at its configured level. */
  child(component: string, bindings?: Record<string, unknown>): Logger;
}

export function createLogging(
  config: LogConfig,
  destination?: DestinationStream,
  base: Record<string, unknown> = {},
): Logging {
  const options: LoggerOptions = {
    level: lowest(config),
    base: { pid: process.pid, ...base },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const root = destination ? pino(options, destination) : pino(options);
  root.level = config.level;
  return {
    root,
    child(component, bindings = {}) {
      const child = root.child({ component, ...bindings });
      child.level = config.components[component] ?? config.level;
      return child;
    },
  };
}

const ORDER: Level[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** The most verbose level any component uses (pino children cannot go below the root's floor). */
function lowest(config: LogConfig): Level {
  let best = ORDER.indexOf(config.level);
  for (const l of Object.values(config.components)) best = Math.min(best, ORDER.indexOf(l));
  return ORDER[best] ?? "info";
}

export type { Logger };
