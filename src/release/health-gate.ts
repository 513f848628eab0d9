import type { Clock } from "../kernel/clock.ts";
import { TethysError } from "../kernel/errors.ts";
import { activateRelease, rollbackRelease } from "./install.ts";
import { runStep } from "./run.ts";

/**
 * Switching the board to a release behind a health gate: refuse while the vehicle is armed
 * (unless overridden), point `current` at the release, restart the agent through the service
 * manager, then wait for the agent's `/health` to say ok. If it does not within the timeout,
 * `current` goes back to the previous release, the agent is restarted on it, and the switch
 * fails with RELEASE_UNHEALTHY: the board is never left on a release that did not come up.
 */
export interface ServiceManager {
  restart(unit: string): Promise<void>;
  isActive(unit: string): Promise<boolean>;
}

/** systemd through `systemctl` (on the board; over SSH from the topside). */
export const systemctl: ServiceManager = {
  async restart(unit) {
    await runStep("systemctl", ["restart", unit], { packages: "systemd", step: `restarting ${unit}` });
  },
  async isActive(unit) {
    return runStep("systemctl", ["is-active", "--quiet", unit], { packages: "systemd", step: `checking ${unit}` }).then(
      () => true,
      () => false,
    );
  },
};

export interface Health {
  ok: boolean;
  armed?: boolean;
  [detail: string]: unknown;
}

/**
 * What the gate waits for: `ok`, the agent's own verdict (loop running and every device read),
 * or `loop`, the control loop running whatever the devices say — for a board without its
 * devices fitted (on the bench, or the SD image in QEMU), where `ok` can never turn true.
 */
export type HealthRequirement = "ok" | "loop";
export const HEALTH_REQUIREMENTS: readonly HealthRequirement[] = ["ok", "loop"];

/** GET the agent's /health: its JSON, or not ok when it does not answer. */
export function httpHealth(url: string, timeoutMs = 2000, require: HealthRequirement = "ok"): () => Promise<Health> {
  return async () => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      const body = (await res.json()) as Health;
      const loop = (body.loop as { running?: unknown } | undefined)?.running === true;
      return { ...body, ok: require === "loop" ? loop : res.status === 200 && body.ok === true };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  };
}

export interface GatedSwitchOptions {
  root: string;
  name: string;
  keep: number;
  unit: string;
  manager: ServiceManager;
  health: () => Promise<Health>;
  clock: Clock;
  /** How long the new release has to become healthy; default 60 s. */
  timeoutMs?: number;
  /** Between health checks; default 1 s. */
  intervalMs?: number;
  /** Switch even while the vehicle is armed. */
  allowArmed?: boolean;
}

export type GatedSwitch = { from: string | undefined; to: string; health: Health };

export async function switchWithHealthGate(o: GatedSwitchOptions): Promise<GatedSwitch> {
  if (o.allowArmed !== true) {
    const before = await o.health();
    if (before.armed === true) {
      throw new TethysError("RELEASE_ARMED", "the vehicle is armed: disarm it first, or override explicitly");
    }
  }
  const { from } = await activateRelease(o.root, o.name, o.keep);
  await o.manager.restart(o.unit);
  const health = await awaitHealthy(o);
  if (health.ok) return { from, to: o.name, health };
  if (from === undefined || from === o.name) {
    throw new TethysError("RELEASE_UNHEALTHY", `${o.name} did not become healthy and there is no previous release`, {
      details: { health },
    });
  }
  await rollbackRelease(o.root);
  await o.manager.restart(o.unit);
  throw new TethysError("RELEASE_UNHEALTHY", `${o.name} did not become healthy: rolled back to ${from}`, {
    details: { health, rolledBackTo: from },
  });
}

/** Checks until ok or the timeout; resolves with the last answer. */
export async function awaitHealthy(o: {
  health: () => Promise<Health>;
  clock: Clock;
  timeoutMs?: number;
  intervalMs?: number;
}): Promise<Health> {
  const deadline = o.clock.now() + (o.timeoutMs ?? 60_000);
  for (;;) {
    const h = await o.health();
    if (h.ok || o.clock.now() >= deadline) return h;
    await o.clock.sleep(o.intervalMs ?? 1000);
  }
}
