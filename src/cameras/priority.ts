import { setPriority } from "node:os";

/**
 * Lowers the CPU priority of a camera's program to `nice` (0–19), so that on a busy board video
 * yields the processor to the control path: a pilot's input is applied before the next frame is
 * encoded. With `pid` 0 it lowers the calling thread only (Linux keeps a nice value per thread),
 * which is how the simulated camera's render thread runs below the agent's event loop.
 *
 * Only ever lowers (raising needs privileges). A program that has already ended has nothing to
 * lower: the camera source sees its exit on its own. Returns whether the priority was set.
 */
export function lowerPriority(pid: number, nice: number | undefined): boolean {
  if (nice === undefined || nice <= 0) return false;
  try {
    setPriority(pid, Math.min(19, Math.trunc(nice)));
    return true;
  } catch {
    return false; // ESRCH: already exited
  }
}
