import type { Estimator } from "../control/estimator.ts";
import type { ModeController } from "../control/modes.ts";
import type { Message, Mode, Severity } from "../protocol/index.ts";
import type { CommandResult } from "./agent-metrics.ts";
import type { Accessories, SensorSource } from "./io.ts";
import type { MotorTest } from "./motor-test.ts";
import type { PreflightChecks } from "./preflight.ts";
import type { Supervisor } from "./supervisor.ts";

/** What the command dispatch acts on: the agent's parts, and the agent for what only it does. */
export interface CommandHost {
  readonly supervisor: Supervisor;
  readonly controller: ModeController;
  readonly estimator: Estimator;
  readonly motorTest: MotorTest;
  readonly checks: PreflightChecks;
  readonly sensors: SensorSource;
  readonly accessories: Accessories | undefined;
  /** An event to the pilot (and the log). */
  emit(severity: Severity, code: string, text: string): void;
  /** Pilot input on arrival (agent.ts): true when it was mixed and written now. */
  applyPilotOnArrival(): boolean;
  /** Disarmed by the pilot: pilot input is no longer applied on arrival, thrusters neutral (written). */
  disarmed(): void;
}

/**
 * Which pilot command does what, with its refusals (docs/control.md). The command arrives
 * authenticated, validated and replay-checked, and the agent is running (a stopped agent drops
 * commands before they get here); the result is the `result` label the agent counts it under.
 *
 * - `pilot`: the supervisor's latest input, applied at once where the agent can (else next tick).
 * - `arm`: ARMED, or refused with the supervisor's code and reason (command link down, an arm
 *   blocker, a failsafe whose action is disarm) as an event.
 * - `disarm`: ends a motor test, disarms, thrusters neutral at once.
 * - `mode`: refused (MODE_UNAVAILABLE) when the mode, or a target depth, needs a sensor that is
 *   not healthy now; else the controller's new mode and targets, announced by MODE_CHANGED.
 * - `lights`, `camera-tilt`, `reset-energy`: "unsupported" where the board has no such thing.
 * - `motor-test` (motor-test.ts), `thruster-config` and `depth-zero` (preflight.ts).
 * - `heartbeat`: nothing (the link's liveness); any other message is "ignored".
 */
export function dispatchCommand(host: CommandHost, message: Message, now: number): CommandResult {
  const { supervisor, controller, motorTest } = host;
  let result: CommandResult = "ok";
  switch (message.type) {
    case "pilot":
      supervisor.pilotInput(message, now);
      if (host.applyPilotOnArrival()) result = "applied";
      break;
    case "arm": {
      const wasArmed = supervisor.isArmed;
      const r = supervisor.arm(now);
      if (r.ok) {
        if (!wasArmed) host.emit("info", "ARMED", "armed by the pilot");
      } else {
        result = "refused";
        host.emit("warning", r.code, `arming refused: ${r.reason}`);
      }
      break;
    }
    case "disarm":
      motorTest.end("warning", "MOTOR_TEST_ABORTED", "motor test stopped: disarm");
      if (supervisor.isArmed) host.emit("info", "DISARMED", "disarmed by the pilot");
      supervisor.disarm();
      host.disarmed();
      break;
    case "mode": {
      const missing = missingSensor(host.estimator, message.mode, message.targetDepth !== undefined);
      if (missing !== undefined) {
        result = "refused";
        host.emit(
          "warning",
          "MODE_UNAVAILABLE",
          `mode ${message.mode} needs a healthy ${missing}; staying in ${controller.mode}`,
        );
      } else {
        controller.setMode({
          mode: message.mode,
          targetDepth: message.targetDepth,
          targetHeading: message.targetHeading,
        });
        const targets = [
          message.targetDepth === undefined ? "" : ` depth ${message.targetDepth} m`,
          message.targetHeading === undefined ? "" : ` heading ${message.targetHeading}°`,
        ].join("");
        host.emit("info", "MODE_CHANGED", `mode ${message.mode}${targets}`);
      }
      break;
    }
    case "lights": {
      const set = host.accessories?.lights;
      if (set === undefined) result = "unsupported";
      else set(message.level);
      break;
    }
    case "camera-tilt": {
      const set = host.accessories?.cameraTilt;
      if (set === undefined) result = "unsupported";
      else set(message.tilt);
      break;
    }
    case "reset-energy":
      if (host.sensors.resetEnergy === undefined) result = "unsupported";
      else host.sensors.resetEnergy();
      if (result === "ok") host.emit("info", "ENERGY_RESET", "consumed energy counter reset (battery swapped)");
      break;
    case "motor-test":
      result = motorTest.command(message, now, thrusterFailsafe(supervisor));
      break;
    case "thruster-config":
      result = host.checks.thrusterConfig(message, supervisor.isArmed || motorTest.running);
      break;
    case "depth-zero":
      result = host.checks.depthZero(message.water, "on request");
      break;
    case "heartbeat":
      break;
    default:
      result = "ignored";
  }
  return result;
}

/** Which sensor a mode needs and lacks right now, or undefined. */
function missingSensor(estimator: Estimator, mode: Mode, withDepth: boolean): string | undefined {
  const st = estimator.state;
  if (mode !== "manual" && st.imuHealth !== "ok" && mode !== "depth-hold") return "IMU";
  if ((mode === "depth-hold" || withDepth) && st.depthHealth !== "ok") return "depth sensor";
  return undefined;
}

/** The first active failsafe whose action moves or stops the thrusters (not `warn`), or undefined. */
function thrusterFailsafe(supervisor: Supervisor): string | undefined {
  const actions = supervisor.failsafeConfig.actions;
  return supervisor.failsafes.find((c) => actions[c] !== "warn");
}
