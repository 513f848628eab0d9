import { Counter, Gauge, type Registry } from "prom-client";
import { FixedHistogram } from "../observability/fixed-histogram.ts";
import { scrapedCounter } from "../observability/metrics.ts";

/** What the agent did with a command (the `result` label of `tethys_vehicle_commands_total`). */
export const COMMAND_RESULTS = ["ok", "applied", "refused", "unsupported", "ignored", "stopped"] as const;
export type CommandResult = (typeof COMMAND_RESULTS)[number];

/**
 * `tethys_vehicle_commands_total{type,result}` counted in plain arrays (one row per message
 * type, made the first time the type is seen) and read at scrape time: counting a pilot input
 * allocates nothing.
 */
export class CommandCounts {
  private readonly byType = new Map<string, Float64Array>();

  constructor(registry: Registry) {
    scrapedCounter(
      registry,
      "tethys_vehicle_commands_total",
      "Commands handled by the agent",
      ["type", "result"],
      () => {
        const out: [Record<string, string>, number][] = [];
        for (const [type, row] of this.byType)
          for (let i = 0; i < COMMAND_RESULTS.length; i++)
            out.push([{ type, result: COMMAND_RESULTS[i] as string }, row[i] as number]);
        return out;
      },
    );
  }

  inc(type: string, result: CommandResult): void {
    let row = this.byType.get(type);
    if (row === undefined) {
      row = new Float64Array(COMMAND_RESULTS.length);
      this.byType.set(type, row);
    }
    const i = COMMAND_RESULTS.indexOf(result);
    row[i] = (row[i] as number) + 1;
  }
}

/**
 * The control loop's own Prometheus metrics (the agent registers them on its registry). Command
 * latency (hub → agent → output) is a separate concern: command-latency.ts.
 */
export interface AgentMetrics {
  /** Ticks that started more than one period late or ran longer than a period. */
  overruns: Counter;
  /** Per tick: a histogram that observes without allocating. */
  tickMs: FixedHistogram;
  commands: CommandCounts;
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
    tickMs: new FixedHistogram({
      name: "tethys_vehicle_loop_tick_ms",
      help: "Control loop tick duration (ms)",
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50],
      registers,
    }),
    commands: new CommandCounts(registry),
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
