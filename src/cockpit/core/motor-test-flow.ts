import type { MessageOf } from "../../protocol/index.ts";
import type { CheckCommand } from "./session.ts";

/**
 * The guided motor test, pure (ArduSub's motor test, one thruster at a time): the pilot confirms
 * the propellers are clear and the vehicle is held; each thruster in turn is tested (the vehicle
 * runs it at its own low power for its own short time and returns it to neutral); after each
 * the pilot says whether it pushed the way the arrow shows — "no" reverses that thruster
 * (`thruster-config`, saved on the vehicle) — and the next one starts. The vehicle enforces every
 * safety rule itself (disarmed only, bounded, neutral after); the flow only never starts a test
 * unasked, and stops the one running when the pilot aborts or the vehicle is armed.
 */
export type MotorTestFlow =
  | { readonly phase: "idle" }
  | { readonly phase: "confirm"; readonly count: number }
  | {
      readonly phase: "running";
      readonly thruster: number;
      readonly count: number;
      readonly seen: boolean;
      /** Thrusters reversed so far in this run. */
      readonly reversed: readonly number[];
    }
  | { readonly phase: "ask"; readonly thruster: number; readonly count: number; readonly reversed: readonly number[] }
  | { readonly phase: "done"; readonly count: number; readonly reversed: readonly number[] };

export type MotorTestEvent =
  /** The pilot opened the test for a frame of `count` thrusters. */
  | { kind: "start"; count: number }
  /** The pilot confirmed: propellers clear, vehicle held, disarmed. */
  | { kind: "confirm" }
  /** A `vehicle-status` arrived (the test's progress). */
  | { kind: "status"; status: MessageOf<"vehicle-status"> }
  /** The pilot's answer after a thruster ran: did it push the way shown? */
  | { kind: "answer"; ok: boolean }
  | { kind: "abort" }
  /** Telemetry says armed: a test can never run then. */
  | { kind: "armed" }
  /** The vehicle refused the test (its event code, e.g. MOTOR_TEST_UNSUPPORTED): the run ends. */
  | { kind: "refused"; code: string };

/** Vehicle events that end a guided run: the vehicle refused or stopped the test itself. */
export const MOTOR_TEST_ENDERS: ReadonlySet<string> = new Set([
  "MOTOR_TEST_ARMED",
  "MOTOR_TEST_UNCONFIRMED",
  "MOTOR_TEST_THRUSTER",
  "MOTOR_TEST_UNSUPPORTED",
  "MOTOR_TEST_ABORTED",
]);

export interface MotorTestOutcome {
  readonly flow: MotorTestFlow;
  readonly send: readonly CheckCommand[];
}

export const IDLE: MotorTestFlow = { phase: "idle" };
const STOP: CheckCommand = { type: "motor-test", thruster: 255, confirm: false };

/** `reversedSoFar` is per-thruster reversal as the vehicle last reported (from `vehicle-status`). */
export function reduceMotorTest(
  f: MotorTestFlow,
  ev: MotorTestEvent,
  reversedSoFar: readonly boolean[] = [],
): MotorTestOutcome {
  const running = f.phase === "running";
  switch (ev.kind) {
    case "start":
      if (!(Number.isInteger(ev.count) && ev.count > 0)) return { flow: f, send: [] };
      return { flow: { phase: "confirm", count: ev.count }, send: running ? [STOP] : [] };
    case "confirm":
      if (f.phase !== "confirm") return { flow: f, send: [] };
      return startThruster(0, f.count, []);
    case "status": {
      if (f.phase !== "running") return { flow: f, send: [] };
      const t = ev.status.motorTest;
      if (t.active && t.thruster === f.thruster)
        return f.seen ? { flow: f, send: [] } : { flow: { ...f, seen: true }, send: [] };
      if (!t.active && f.seen)
        return { flow: { phase: "ask", thruster: f.thruster, count: f.count, reversed: f.reversed }, send: [] };
      return { flow: f, send: [] };
    }
    case "answer": {
      if (f.phase !== "ask") return { flow: f, send: [] };
      const send: CheckCommand[] = [];
      const reversed = [...f.reversed];
      if (!ev.ok) {
        send.push({ type: "thruster-config", thruster: f.thruster, reversed: !(reversedSoFar[f.thruster] ?? false) });
        reversed.push(f.thruster);
      }
      const next = f.thruster + 1;
      if (next >= f.count) return { flow: { phase: "done", count: f.count, reversed }, send };
      const o = startThruster(next, f.count, reversed);
      return { flow: o.flow, send: [...send, ...o.send] };
    }
    case "abort":
    case "armed":
      return { flow: IDLE, send: running ? [STOP] : [] };
    case "refused":
      return { flow: f.phase === "done" ? f : IDLE, send: [] };
  }
}

function startThruster(thruster: number, count: number, reversed: readonly number[]): MotorTestOutcome {
  return {
    flow: { phase: "running", thruster, count, seen: false, reversed },
    send: [{ type: "motor-test", thruster, confirm: true }],
  };
}

/** What the dialog says for the flow's phase. */
export function motorTestPrompt(f: MotorTestFlow): string {
  switch (f.phase) {
    case "idle":
      return "Tests each thruster in turn at low power for a short time (disarmed only).";
    case "confirm":
      return `Propellers clear, vehicle held or in the water, hands away? Then confirm to test ${f.count} thrusters one by one.`;
    case "running":
      return `Thruster ${f.thruster + 1} of ${f.count} is turning…`;
    case "ask":
      return `Did thruster ${f.thruster + 1} push the way its arrow shows on the frame diagram?`;
    case "done":
      return f.reversed.length === 0
        ? "Done: every thruster pushed the right way."
        : `Done: reversed thruster${f.reversed.length > 1 ? "s" : ""} ${f.reversed.map((t) => t + 1).join(", ")} (saved on the vehicle). Run the test again to check.`;
  }
}
