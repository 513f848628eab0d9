/**
 * When the cockpit sends pilot input, pure (frame times in ms passed in, no timers): called once
 * per animation frame with the input sampled in that frame, it says whether to send it. Pilot
 * input is "latest value wins" on the hub and the vehicle, so nothing is queued: a frame that is
 * not due drops its input, and a due frame sends its own.
 *
 * Due times advance by the period, not to the frame time, so the rate averages 1/period at any
 * frame rate of at least 1/period (at 60 fps, "40 ms since the last send" would send every third
 * frame: 20 Hz, not 25). After a gap of more than two periods (the page was not the pilot, or the
 * frames stalled) the next due frame restarts the schedule rather than sending a burst; below
 * 1/period frames per second, every frame sends.
 */
export const PILOT_PERIOD_MS = 40;

export interface PilotSchedule {
  /** When the last send was due (ms); 0 before the first. */
  readonly lastDueMs: number;
}

export const INITIAL_PILOT_SCHEDULE: PilotSchedule = { lastDueMs: 0 };

export interface PilotFrame<T> {
  readonly schedule: PilotSchedule;
  /** The frame's input when it is due, else undefined. */
  readonly send: T | undefined;
}

/**
 * One frame at `now`: `piloting` is whether the page holds the pilot role (never sends
 * otherwise), `latest` the input sampled in this frame.
 */
export function pilotFrame<T>(
  s: PilotSchedule,
  now: number,
  piloting: boolean,
  latest: T,
  periodMs = PILOT_PERIOD_MS,
): PilotFrame<T> {
  if (!piloting || now < s.lastDueMs + periodMs) return { schedule: s, send: undefined };
  const lastDueMs = now - s.lastDueMs > 2 * periodMs ? now : s.lastDueMs + periodMs;
  return { schedule: { lastDueMs }, send: latest };
}
