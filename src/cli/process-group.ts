import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { TethysError } from "../kernel/errors.ts";
import { LIFELINE_ENV, LIFELINE_STDIN } from "./signals.ts";

/**
 * Runs several Tethys processes as one system (what `tethys sim` does: simulator, agent, hub).
 * Each child's output lines are passed on with its name; a child is "ready" when it prints a
 * JSON log line whose `msg` is "ready" (its other fields, e.g. `url`, come with the event).
 * Stopping sends SIGTERM to the children in the given order, waiting for each to exit (so the
 * agent neutralises thrusters before the simulator goes away), then SIGKILL after a grace time.
 * If any child exits on its own while the group runs, the whole group stops. Each child's stdin
 * is its lifeline to this process (`untilStopSignal` in signals.ts): when this process ends, by
 * any signal, the children stop.
 */
export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Which JSON output line means ready (default: `msg === "ready"`, the services' log line). */
  readyWhen?: (line: Record<string, unknown>) => boolean;
}

export interface GroupEvents {
  line(name: string, line: string): void;
  ready(name: string, info: Record<string, unknown>): void;
  exit(name: string, code: number | null, signal: NodeJS.Signals | null): void;
}

interface Running {
  spec: ChildSpec;
  child: ChildProcess;
  exited: Promise<void>;
  done: boolean;
}

export class ProcessGroup {
  private readonly running: Running[] = [];
  private readonly events: Partial<GroupEvents>;
  private stopping: Promise<void> | undefined;
  private readonly graceMs: number;
  /** Resolves when the group has stopped, with the name of the child that ended it, if any. */
  readonly stopped: Promise<string | undefined>;
  private resolveStopped!: (name: string | undefined) => void;

  constructor(events: Partial<GroupEvents> = {}, graceMs = 5000) {
    this.events = events;
    this.graceMs = graceMs;
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  /** Starts a child and resolves with its ready info; rejects if it exits before ready. */
  start(spec: ChildSpec): Promise<Record<string, unknown>> {
    if (this.stopping) return Promise.reject(new TethysError("PROC_STOPPING", "the process group is stopping"));
    // Own process group: a terminal's Ctrl-C reaches only us, and we stop the children in order
    // (the agent neutralises thrusters before the simulator goes away).
    // stdin is the child's lifeline (signals.ts): a pipe we hold open and never write, closed by
    // the kernel however this process ends, so the child stops even if we die by SIGKILL.
    const child = spawn(spec.command, spec.args, {
      env: { ...(spec.env ?? process.env), [LIFELINE_ENV]: LIFELINE_STDIN },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    child.stdin?.on("error", () => {}); // a child that exits closes its end: nothing to report
    const killOnExit = (): void => {
      if (!entry.done) child.kill("SIGKILL");
    };
    process.once("exit", killOnExit);
    let readyResolve!: (info: Record<string, unknown>) => void;
    let readyReject!: (err: Error) => void;
    const ready = new Promise<Record<string, unknown>>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    let isReady = false;
    const entry: Running = {
      spec,
      child,
      done: false,
      exited: new Promise<void>((resolve) => {
        child.once("exit", (code, signal) => {
          entry.done = true;
          process.off("exit", killOnExit);
          this.events.exit?.(spec.name, code, signal);
          if (!isReady) {
            readyReject(
              new TethysError("PROC_EXITED", `${spec.name} exited (${signal ?? `code ${code}`}) before it was ready`),
            );
          }
          if (!this.stopping) void this.stop({ endedBy: spec.name });
          resolve();
        });
      }),
    };
    child.once("error", (err) => {
      readyReject(
        new TethysError("PROC_SPAWN", `${spec.name}: cannot start ${spec.command}: ${err.message}`, { cause: err }),
      );
    });
    const onLine = (line: string): void => {
      this.events.line?.(spec.name, line);
      if (isReady || !line.startsWith("{")) return;
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        if ((spec.readyWhen ?? isReadyLog)(obj)) {
          isReady = true;
          this.events.ready?.(spec.name, obj);
          readyResolve(obj);
        }
      } catch {
        // not JSON: an ordinary output line
      }
    };
    if (child.stdout) createInterface({ input: child.stdout }).on("line", onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on("line", (l) => this.events.line?.(spec.name, l));
    this.running.push(entry);
    return ready;
  }

  /**
   * Stops children in `order` of names (others last, newest first). `endedBy` names the child
   * whose exit ended the group, if one did. Idempotent.
   */
  stop(o: { order?: readonly string[]; endedBy?: string } = {}): Promise<void> {
    const order = o.order ?? [];
    const endedBy = o.endedBy;
    if (!this.stopping) {
      this.stopping = (async () => {
        const ordered = [...this.running].sort((a, b) => rank(a, order, this.running) - rank(b, order, this.running));
        for (const r of ordered) await this.stopOne(r);
        this.resolveStopped(endedBy);
      })();
    }
    return this.stopping;
  }

  private async stopOne(r: Running): Promise<void> {
    if (r.done) return;
    r.child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (!r.done) r.child.kill("SIGKILL");
        resolve();
      }, this.graceMs);
    });
    await Promise.race([r.exited, killed]);
    clearTimeout(timer);
    await r.exited;
  }
}

const isReadyLog = (line: Record<string, unknown>): boolean => line.msg === "ready";

function rank(r: Running, order: readonly string[], all: Running[]): number {
  const i = order.indexOf(r.spec.name);
  return i >= 0 ? i : order.length + (all.length - all.indexOf(r));
}
