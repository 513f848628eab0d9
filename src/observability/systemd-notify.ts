import { TethysError } from "../kernel/errors.ts";

/**
 * The service side of systemd's notification protocol (sd_notify(3)) for a `Type=notify` unit:
 * READY=1 once the service runs, WATCHDOG=1 at half the watchdog interval, STOPPING=1 on the
 * way out. The settings come from the variables systemd sets (NOTIFY_SOCKET, WATCHDOG_USEC,
 * WATCHDOG_PID); the datagrams go through a sender the CLI opens
 * (`hardware/linux/sd-notify-socket.ts`). Time is passed in.
 */
export interface NotifySettings {
  /** NOTIFY_SOCKET: the path of systemd's datagram socket. */
  socket: string;
  /** WATCHDOG_USEC in ms, or null when the unit has no watchdog (or it is another process's). */
  watchdogMs: number | null;
}

/** undefined when not started by systemd with a notify socket; SYSTEMD_NOTIFY for settings this agent cannot honour. */
export function notifySettingsFromEnv(env: NodeJS.ProcessEnv, pid: number): NotifySettings | undefined {
  const socket = env.NOTIFY_SOCKET;
  if (socket === undefined || socket === "") return undefined;
  if (!socket.startsWith("/")) {
    throw new TethysError(
      "SYSTEMD_NOTIFY",
      `NOTIFY_SOCKET=${socket}: only a file-system socket path is supported (not an abstract or vsock address)`,
    );
  }
  const usec = env.WATCHDOG_USEC;
  const forPid = env.WATCHDOG_PID;
  let watchdogMs: number | null = null;
  if (usec !== undefined && usec !== "" && (forPid === undefined || forPid === "" || Number(forPid) === pid)) {
    const n = Number(usec);
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new TethysError("SYSTEMD_NOTIFY", `WATCHDOG_USEC=${usec}: not a positive integer`);
    watchdogMs = n / 1000;
  }
  return { socket, watchdogMs };
}

export class SystemdNotifier {
  private readonly send: (state: string) => void;
  private readonly pingEveryMs: number | null;
  private ready = false;
  private lastPing = Number.NEGATIVE_INFINITY;
  private stopped = false;

  /** @param watchdogMs the unit's watchdog interval; pings go out at half of it. */
  constructor(send: (state: string) => void, watchdogMs: number | null) {
    this.send = send;
    this.pingEveryMs = watchdogMs === null ? null : watchdogMs / 2;
  }

  /** One cycle of the service's main loop: READY=1 on the first, then WATCHDOG=1 when due. */
  cycle(now: number, status = "control loop running"): void {
    if (this.stopped) return;
    if (!this.ready) {
      this.ready = true;
      this.lastPing = now;
      this.send(`READY=1\nSTATUS=${status}`);
      return;
    }
    if (this.pingEveryMs !== null && now - this.lastPing >= this.pingEveryMs) {
      this.lastPing = now;
      this.send("WATCHDOG=1");
    }
  }

  /** The service is shutting down: no more pings (systemd stops expecting them). */
  stopping(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.send("STOPPING=1");
  }
}
