import type { HealthSnapshot } from "../../hardware/drivers/device-health.ts";

/**
 * The agent's health as `/health` reports it (the deploy health gate reads it): ok when the
 * control loop runs (a cycle within the last 5 periods, at least 500 ms) and the sensors are
 * read (every device initialised and none in fault). Link states are reported but do not make
 * the agent unhealthy: the hub may simply not be up. Pure: time is passed in.
 */
export interface VehicleHealthInput {
  now: number;
  periodMs: number;
  /** The loop time of the last control cycle, undefined before the first. */
  lastCycleAt: number | undefined;
  devices: readonly HealthSnapshot[];
  commandLinkUp: boolean;
  telemetryLink: string;
  armed: boolean;
}

export interface VehicleHealth {
  [detail: string]: unknown;
  ok: boolean;
  loop: { running: boolean; lastCycleMsAgo: number | null };
  sensors: { read: boolean; devices: Record<string, string> };
  links: { command: "up" | "down"; telemetry: string };
  armed: boolean;
}

export function vehicleHealth(i: VehicleHealthInput): VehicleHealth {
  const ago = i.lastCycleAt === undefined ? null : Math.max(0, i.now - i.lastCycleAt);
  const running = ago !== null && ago <= Math.max(5 * i.periodMs, 500);
  const read = i.devices.length > 0 && i.devices.every((d) => d.state !== "fault");
  return {
    ok: running && read,
    loop: { running, lastCycleMsAgo: ago === null ? null : Math.round(ago) },
    sensors: { read, devices: Object.fromEntries(i.devices.map((d) => [d.device, d.state])) },
    links: { command: i.commandLinkUp ? "up" : "down", telemetry: i.telemetryLink },
    armed: i.armed,
  };
}
