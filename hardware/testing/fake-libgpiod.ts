import { EventEmitter } from "node:events";
import { basename } from "node:path";
import { PassThrough } from "node:stream";
import { edgeFires } from "../common/gpio-errors.ts";
import type { ChildLike, Spawner } from "../linux/child-process.ts";

class FakeChild extends EventEmitter implements ChildLike {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  onKill: (() => void) | undefined;

  finish(code: number | null, out = "", err = ""): void {
    setImmediate(() => {
      if (out) this.stdout.write(out);
      if (err) this.stderr.write(err);
      this.exitCode = code ?? 1;
      this.stdout.end();
      this.stderr.end();
      this.emit("exit", code, code === null ? "SIGTERM" : null);
    });
  }

  kill(): boolean {
    if (this.exitCode !== null) return false;
    this.onKill?.();
    this.finish(null);
    return true;
  }
}

interface Parsed {
  chip: string;
  offsets: string[];
  activeLow: boolean;
  edge: string;
  banner: boolean;
}

/**
 * Stands in for the libgpiod tools (v1 or v2 syntax) as child processes, sharing one simulated
 * set of chips. Holders (gpioset, gpiomon) keep their line busy until killed. `drive` changes a
 * line's physical level from outside; gpiomon holders print events in the version's format.
 */
export function makeFakeLibgpiod(
  version: 1 | 2,
  chips = [{ name: "gpiochip0", label: "pinctrl-bcm2711", lines: 58 }],
  options: { refuseBanner?: boolean } = {},
) {
  const level = new Map<string, 0 | 1>();
  const holders = new Map<string, { child: FakeChild; mon?: Parsed }>();
  const calls: string[][] = [];

  const parse = (args: readonly string[]): Parsed => {
    const p: Parsed = { chip: "", offsets: [], activeLow: false, edge: "both", banner: false };
    const pos: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-l") p.activeLow = true;
      else if (a === "-c") p.chip = args[++i] ?? "";
      else if (a === "-e") p.edge = args[++i] ?? "both";
      else if (a === "-F") i++;
      else if (a === "-r") p.edge = "rising";
      else if (a === "-f") p.edge = "falling";
      else if (a === "--banner") p.banner = true;
      else if (a.startsWith("-")) continue;
      else pos.push(a);
    }
    if (version === 1) p.chip = pos.shift() ?? "";
    p.offsets = pos;
    return p;
  };

  const spawner: Spawner = (command, args) => {
    calls.push([basename(command), ...args]);
    const child = new FakeChild();
    const tool = basename(command);
    if (tool === "gpiodetect") {
      child.finish(0, chips.map((c) => `${c.name} [${c.label}] (${c.lines} lines)\n`).join(""));
      return child;
    }
    if (args[0] === "--version") {
      child.finish(0, `${tool} (libgpiod) v${version === 1 ? "1.6.3" : "2.1"}\n`);
      return child;
    }
    const p = parse(args);
    if (p.banner && options.refuseBanner === true) {
      child.finish(1, "", `${tool}: unrecognized option '--banner'\n`);
      return child;
    }
    const chip = chips.find((c) => c.name === p.chip);
    const off = Number((p.offsets[0] ?? "").split("=")[0]);
    if (chip === undefined || !(off >= 0 && off < chip.lines)) {
      child.finish(1, "", `${tool}: cannot find line: No such file or directory\n`);
      return child;
    }
    const key = `${chip.name}:${off}`;
    if (holders.has(key)) {
      child.finish(1, "", `${tool}: unable to request lines: Device or resource busy\n`);
      return child;
    }
    const inv = p.activeLow ? 1 : 0;
    if (tool === "gpioget") {
      child.finish(0, `${(level.get(key) ?? 0) ^ inv}\n`);
      return child;
    }
    if (tool === "gpioset") {
      const v = Number((p.offsets[0] ?? "").split("=")[1]) === 1 ? 1 : 0;
      level.set(key, (v ^ inv) as 0 | 1);
      holders.set(key, { child });
    } else if (tool === "gpiomon") {
      holders.set(key, { child, mon: p });
    } else {
      child.finish(127, "", `${tool}: not found\n`);
      return child;
    }
    child.onKill = () => holders.delete(key);
    if (p.banner) setImmediate(() => child.stdout.write(`Monitoring lines...\n`));
    return child;
  };

  return {
    spawner,
    calls,
    level: (chip: string, line: number) => level.get(`${chip}:${line}`) ?? 0,
    holding: (chip: string, line: number) => holders.has(`${chip}:${line}`),
    /** Kill a holder from outside (as if the process crashed). */
    crash(chip: string, line: number): void {
      const h = holders.get(`${chip}:${line}`);
      holders.delete(`${chip}:${line}`);
      h?.child.finish(1, "", "killed\n");
    },
    drive(chip: string, line: number, physical: 0 | 1): void {
      const key = `${chip}:${line}`;
      const prev = level.get(key) ?? 0;
      level.set(key, physical);
      const h = holders.get(key);
      if (h?.mon === undefined) return;
      const inv = h.mon.activeLow ? 1 : 0;
      const lp = (prev ^ inv) as 0 | 1;
      const ln = (physical ^ inv) as 0 | 1;
      if (!edgeFires(h.mon.edge as "both", lp, ln)) return;
      const kind = version === 1 ? String(ln) : ln === 1 ? "rising" : "falling";
      h.child.stdout.write(`${line} ${kind}\n`);
    },
  };
}
