import { readdirSync, readFileSync } from "node:fs";

/**
 * What /proc says about a process (Linux): resident memory and open file descriptors, and which
 * of this process's children are Tethys's world, hub and agent (by their command line).
 */
export interface ProcSample {
  rssMb: number;
  fds: number;
}

export function procSample(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return { rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined; // gone
  }
}

export type Role = "world" | "hub" | "agent";

/** The world, hub and agent among `pid`'s children (other children, e.g. esbuild's, are left out). */
export function tethysChildren(pid = process.pid): Partial<Record<Role, number>> {
  const found: Partial<Record<Role, number>> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let list = "";
    try {
      list = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8");
    } catch {
      continue;
    }
    for (const child of list.split(" ").filter(Boolean).map(Number)) {
      let args: string[] = [];
      try {
        args = readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0");
      } catch {
        continue;
      }
      if (args.includes("--world-only")) found.world = child;
      else if (args.includes("topside")) found.hub = child;
      else if (args.includes("vehicle")) found.agent = child;
    }
  }
  return found;
}
