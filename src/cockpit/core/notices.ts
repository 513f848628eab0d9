import type { MessageOf } from "../../protocol/index.ts";

/**
 * What the pilot reads about events, alarms and refusals, pure: which list a notice belongs in,
 * the plain words for a stable code, and the sign-in refusal line with its live countdown.
 *
 * - **Alarms** (`alarm` messages, and `event`s of severity warning or worse: a failsafe disarm,
 *   a degraded mode, a refusal by the hub) go to the alarm list; active alarms sound.
 * - **Events** of severity info (armed, disarmed by the pilot, mode changed, mode restored) are
 *   routine: they go to the event log, apart from the alarms, and never sound.
 *
 * Codes stay visible (they are what the docs and logs are searched by) but come after words a
 * pilot understands without the docs.
 */
export type Notice = MessageOf<"alarm"> | MessageOf<"event">;

export type NoticeList = "alarms" | "events";

export function noticeList(n: Notice): NoticeList {
  return n.type === "event" && n.severity === "info" ? "events" : "alarms";
}

/** Plain words for the codes a pilot meets in the cockpit; undefined for a code not listed. */
const PLAIN: Readonly<Record<string, string>> = {
  // The hub refusing the page (docs/errors-topside.md).
  HUB_AUTH_FAILED: "Wrong token",
  HUB_AUTH_LOCKED: "Too many failed sign-ins from here",
  HUB_AUTH_BUSY: "The hub is busy checking other sign-ins",
  HUB_AUTH_TIMEOUT: "Sign-in took too long",
  HUB_NOT_AUTHENTICATED: "Not signed in",
  HUB_FORBIDDEN: "This token can only observe",
  HUB_NOT_ATTACHED: "Not attached to a vehicle",
  HUB_NOT_PILOT: "Only the pilot can do that",
  HUB_PILOT_BUSY: "Someone else is flying",
  HUB_UNKNOWN_VEHICLE: "No such vehicle",
  HUB_VEHICLE_OFFLINE: "The vehicle is not connected",
  HUB_VEHICLE_DISCONNECTED: "The vehicle's link to the hub went down",
  HUB_HANDOVER_TARGET: "Cannot hand over to that session",
  HUB_RATE_LIMITED: "Too many messages: some were dropped",
  HUB_COMMAND_FAILED: "The command did not reach the vehicle",
  HUB_TOO_MANY_BROWSERS: "The hub is full",
  // The vehicle (docs/errors-control.md).
  ARM_BLOCKED: "Cannot arm",
  ARM_NO_LINK: "Cannot arm without the command link",
  MODE_UNAVAILABLE: "Mode not available",
  MODE_DEGRADED: "Mode degraded: a sensor is missing",
  FS_BATTERY_ENERGY: "Battery energy low",
  FS_BATTERY_VOLTAGE: "Battery voltage low",
  FS_COMMAND_LINK: "Command link lost: thrusters neutral",
  FS_TELEMETRY_LINK: "Telemetry link lost",
  FS_DEPTH_SENSOR: "Depth sensor lost",
  FS_IMU: "Attitude sensor (IMU) lost",
  FS_INTERNAL_TEMP: "Electronics too hot",
  FS_LEAK: "Leak detected: surfacing",
  FS_LOOP_STALL: "Control loop stalled",
  FS_MAX_DEPTH: "Maximum depth reached",
  FS_PILOT_INPUT: "Pilot input lost: thrusters neutral",
  MCU_WATCHDOG_TRIP: "Motor controller watchdog tripped: thrusters stopped",
  MCU_VERSION_MISMATCH: "Motor controller firmware does not match",
  // The cockpit itself (docs/errors-cockpit.md).
  COCKPIT_TELEMETRY_LOST: "No live telemetry",
};

export function plainWords(code: string): string | undefined {
  return PLAIN[code];
}

/** One line of the alarm or event list (without the time): plain words, details, then the code. */
export function noticeLine(n: Notice): string {
  const plain = plainWords(n.code);
  const text = n.text.trim();
  const words = plain === undefined ? text : text === "" || sameWords(plain, text) ? plain : `${plain}: ${text}`;
  return `${words || n.code} (${n.code})`;
}

function sameWords(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The sign-in refusal as the page shows it, `remainingMs` after the refusal's `retryAfterMs`
 * began counting (pass the refusal's own value at first, then less as time passes): plain words,
 * the code, and while the hub asks to wait, the whole seconds left. A refusal without a wait
 * (`retryAfterMs` 0 or absent) has no countdown.
 */
export function signInRefusal(code: string, retryAfterMs: number | undefined, elapsedMs: number): string {
  const head = `Sign-in refused: ${plainWords(code) ?? "the hub said no"} (${code})`;
  if (retryAfterMs === undefined || !(retryAfterMs > 0)) return head;
  const left = Math.ceil((retryAfterMs - elapsedMs) / 1000);
  return left > 0 ? `${head}. Try again in ${left} s.` : `${head}. You can try again now.`;
}

/** Whether the refusal's countdown still changes after `elapsedMs` (the page stops ticking after). */
export function countdownRunning(retryAfterMs: number | undefined, elapsedMs: number): boolean {
  return retryAfterMs !== undefined && retryAfterMs > 0 && elapsedMs < retryAfterMs;
}
