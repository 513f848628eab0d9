import { Counter, type Registry } from "prom-client";
import type { Clock } from "../kernel/clock.ts";
import { FixedHistogram } from "../observability/fixed-histogram.ts";
import type { FrameMeta } from "../protocol/index.ts";
import type { ThrusterOutput } from "./io.ts";

/** What the command link tells the agent about a command: the hub's stamp and our receipt, wall µs. */
export type CommandMeta = FrameMeta & { receivedMicros?: number };

const BUCKETS_MS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000];
const HOPS = ["link", "tick", "output"] as const;
type Hop = (typeof HOPS)[number];
/** Beyond this a "delay" is a wrong clock, not latency. */
const MAX_MICROS = 60_000_000;

/**
 * The vehicle's command-path latency series (docs/latency.md): `tethys_vehicle_command_latency_ms`
 * by hop — `link` (hub send stamp → agent receipt), `tick` (pilot input receipt → the control
 * tick that applied it), `output` (receipt → the thruster write carrying it completed) — and the
 * stamps it could not use. Cheap: a clock read per command and per applied pilot input, and at
 * most one thruster write awaited at a time (a hung output cannot pile up waiters).
 */
export class CommandLatency {
  private readonly clock: Clock;
  private readonly hops: FixedHistogram;
  private readonly unusable: Counter<"hop">;
  /** Receipt (wall µs) of the latest pilot input no tick has applied yet. */
  private pilotReceived: number | undefined;
  private awaitingWrite = false;

  constructor(registry: Registry, clock: Clock) {
    this.clock = clock;
    const registers = [registry];
    this.hops = new FixedHistogram({
      name: "tethys_vehicle_command_latency_ms",
      help: "Command-path latency on the vehicle, ms, by hop: link (hub send stamp to agent receipt), tick (pilot input receipt to the tick that applied it), output (receipt to the thruster write completing)",
      label: { name: "hop", values: HOPS },
      buckets: BUCKETS_MS,
      registers,
    });
    this.unusable = new Counter({
      name: "tethys_vehicle_command_latency_unusable_total",
      help: "Command-path delays not usable as latency (hub clock ahead, or over 60 s), by hop",
      labelNames: ["hop"],
      registers,
    });
  }

  /** A command handed to the agent; `meta` is absent when it did not come over the link. */
  command(isPilot: boolean, meta: CommandMeta | undefined): void {
    const received = meta?.receivedMicros;
    if (meta === undefined || received === undefined) return;
    this.observe("link", received - meta.timestamp);
    if (isPilot) this.pilotReceived = received;
  }

  /** Called after a tick handed its setpoints to the thrusters. */
  applied(thrusters: ThrusterOutput): void {
    const received = this.pilotReceived;
    if (received === undefined) return;
    this.pilotReceived = undefined;
    this.observe("tick", this.clock.wallMicros() - received);
    if (thrusters.written === undefined || this.awaitingWrite) return;
    this.awaitingWrite = true;
    this.writeReceived = received;
    thrusters.written().then(this.onWritten, this.onWriteFailed);
  }

  /** Receipt of the pilot input whose thruster write is awaited. */
  private writeReceived = 0;
  private readonly onWritten = (): void => {
    this.awaitingWrite = false;
    this.observe("output", this.clock.wallMicros() - this.writeReceived);
  };
  private readonly onWriteFailed = (): void => {
    this.awaitingWrite = false;
  };

  private observe(hop: Hop, micros: number): void {
    if (Number.isFinite(micros) && micros >= 0 && micros <= MAX_MICROS)
      this.hops.observe(micros / 1000, HOPS.indexOf(hop));
    else this.unusable.inc({ hop });
  }
}
