/**
 * Resolves with the first SIGINT or SIGTERM (Ctrl-C, systemd stop), then stops listening for
 * both, so a long-running command shuts down its own way instead of dying mid-write.
 */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}
