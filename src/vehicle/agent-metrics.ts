import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/**
 * The control loop's own Prometheus metrics (the agent registers them on its registry). Command
 * latency (hub → agent → output) is a separate concern: command-latency.ts.
 */
export interface AgentMetrics {
  /** Ticks that started more than one period late or ran longer than a period. */
  overruns: Counter;
  tickMs: Histogram;
  commands: Counter<"type" | "result">;
  telemetryErrors: Counter<"code">;
  armed: Gauge;
  failsafes: Counter<"code">;
  failsafeActive: Gauge<"code">;
}

export function agentMetrics(registry: Registry): AgentMetrics {
  const registers = [registry];
  return {
    overruns: new Counter({
      name: "tethys_vehicle_loop_overruns_total",
      help: "Control loop ticks that started more than one period late or ran longer than a period",
      registers,
    }),
    tickMs: new Histogram({
      name: "tethys_vehicle_loop_tick_ms",
      help: "Control loop tick duration (ms)",
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50],
      registers,
    }),
    commands: new Counter({
      name: "tethys_vehicle_commands_total",
      help: "Commands handled by the agent",
      labelNames: ["type", "result"],
      registers,
    }),
    telemetryErrors: new Counter({
      name: "tethys_vehicle_telemetry_errors_total",
      help: "Telemetry frames not sent",
      labelNames: ["code"],
      registers,
    }),
    armed: new Gauge({ name: "tethys_vehicle_armed", help: "1 while armed", registers }),
    failsafes: new Counter({
      name: "tethys_vehicle_failsafes_total",
      help: "Failsafes raised, by code",
      labelNames: ["code"],
      registers,
    }),
    failsafeActive: new Gauge({
      name: "tethys_vehicle_failsafe_active",
      help: "1 while a failsafe is active, by code",
      labelNames: ["code"],
      registers,
    }),
  };
}
