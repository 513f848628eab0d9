import { runSimSystem, type SimReadyInfo, type SimSystemOptions } from "../../src/cli/sim-system.ts";

/** What `tethys sim` reports once world, agent and hub are up (its `onReady`). */
export type SimReady = SimReadyInfo;

/** How to start the system: everything `runSimSystem` takes but its stop signal, ready hook and output. */
export type SimRunOptions = Omit<SimSystemOptions, "until" | "onReady" | "out">;

/** A running `tethys sim`, started in-process by `startSimRun`. */
export interface SimRun {
  /** The URLs, token, tethers and metrics the system reported when it was up. */
  readonly ready: SimReady;
  /** Every line the system has printed so far (its own and its processes' warnings). */
  readonly output: readonly string[];
  /**
   * Resolves with the first line the system prints from now on that matches `re` (call it before
   * causing what should print it; lines already printed do not count).
   */
  nextLine(re: RegExp): Promise<string>;
  /**
   * The system's end: its exit code (0 when stopped, 1 when one of its processes exited on its
   * own), or a rejection when it failed.
   */
  readonly exited: Promise<number>;
  /**
   * Asks the system to stop (a no-op once it has ended) and waits until every process and tether
   * is gone. Never throws, so it serves in `finally`; how it ended is `exited`.
   */
  stop(): Promise<void>;
}

/**
 * Starts `tethys sim` (world, vehicle agent and hub as three processes) in this process and
 * resolves once all three are up. When the system ends or fails before that, it rejects with the
 * system's output so far in the message, and nothing is left running.
 */
export async function startSimRun(options: SimRunOptions = {}): Promise<SimRun> {
  let requestStop!: () => void;
  const until = new Promise<void>((r) => {
    requestStop = r;
  });
  const output: string[] = [];
  const waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  const out = (line: string): void => {
    output.push(line);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w?.re.test(line)) {
        waiters.splice(i, 1);
        w.resolve(line);
      }
    }
  };
  const nextLine = (re: RegExp): Promise<string> => new Promise((resolve) => waiters.push({ re, resolve }));
  let ready!: (info: SimReady) => void;
  const started = new Promise<SimReady>((r) => {
    ready = r;
  });
  const exited = runSimSystem({ ...options, until, onReady: ready, out });
  const ended = exited.then(
    () => {},
    () => {},
  );
  const stop = async (): Promise<void> => {
    requestStop();
    await ended;
  };
  try {
    const info = await Promise.race([
      started,
      exited.then(
        (code) =>
          Promise.reject(new Error(`the system ended (exit code ${code}) before it was up:\n${output.join("\n")}`)),
        (err: unknown) => Promise.reject(new Error(`the system did not start: ${String(err)}\n${output.join("\n")}`)),
      ),
    ]);
    return { ready: info, output, nextLine, exited, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
