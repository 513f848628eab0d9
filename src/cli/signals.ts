/**
 * Resolves with the first SIGINT or SIGTERM (Ctrl-C, systemd stop) — or, in a process started
 * by a `ProcessGroup` (`tethys sim`'s world, hub and agent), with "parent-gone" when the
 * parent's lifeline closes — then stops listening for all of them, so a long-running command
 * shuts down its own way instead of dying mid-write.
 *
 * The lifeline is the child's stdin, a pipe the parent holds open and never writes: the kernel
 * closes it whatever ends the parent, SIGKILL included, so a child never outlives `tethys sim`
 * in its own process group (Linux's parent-death signal is not available from Node).
 */
export type StopReason = NodeJS.Signals | "parent-gone";

/**
 * Set by ProcessGroup in the environment of its children: their stdin is the lifeline. (Not a
 * `TETHYS_` name: those are config overrides.)
 */
export const LIFELINE_ENV = "SUPERVISED_BY_TETHYS";
export const LIFELINE_STDIN = "stdin";

export function untilStopSignal(): Promise<StopReason> {
  return new Promise((resolve) => {
    const lifeline = process.env[LIFELINE_ENV] === LIFELINE_STDIN ? process.stdin : undefined;
    let done = false;
    const stop = (reason: StopReason): void => {
      if (done) return;
      done = true;
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      if (lifeline) {
        lifeline.off("data", ignore);
        lifeline.off("end", gone);
        lifeline.off("close", gone);
        lifeline.off("error", gone);
        // Release the pipe so it does not keep the process alive once the service has stopped.
        lifeline.destroy();
      }
      resolve(reason);
    };
    const gone = (): void => stop("parent-gone");
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    if (lifeline) {
      if (lifeline.destroyed || lifeline.readableEnded) return gone();
      lifeline.on("data", ignore);
      lifeline.once("end", gone);
      lifeline.once("close", gone);
      lifeline.once("error", gone);
    }
  });
}

function ignore(): void {}
