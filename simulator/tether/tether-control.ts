import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { errorCode, TethysError } from "../../src/kernel/errors.ts";
import type { ImpairmentParams } from "./params.ts";
import { impairmentKeys, parseImpairments } from "./parse-options.ts";
import type { TetherHandle } from "./run-tether.ts";
import type { CutMode } from "./tcp-proxy.ts";
import type { DirectionName } from "./udp-proxy.ts";

/** A runtime command for a running tether (typed on its stdin by `tethys tether`). */
export type TetherCommand =
  | { kind: "cut"; mode: CutMode }
  | { kind: "restore" }
  | { kind: "set"; direction: DirectionName; params: Partial<ImpairmentParams> }
  | { kind: "stats" }
  | { kind: "help" };

export const TETHER_HELP = [
  "cut [close|blackhole]       cut the tether (UDP: everything is dropped)",
  "restore                     restore it",
  "set [up|down|both] k=v ...  change impairments live, e.g. set up loss=20% delay=50ms",
  "                            keys: loss duplicate reorder reorderGap delay jitter rate burst queueLimit",
  "stats                       counters as JSON",
].join("\n");

const PLAIN_KEYS = new Set(impairmentKeys().filter((k) => !k.endsWith("Up") && !k.endsWith("Down")));

function bad(line: string, why: string): TethysError {
  return new TethysError("TETHER_BAD_COMMAND", `${why} (in ${JSON.stringify(line.slice(0, 80))}); type "help"`, {
    details: { line: line.slice(0, 200) },
  });
}

/** Parses one command line; throws TETHER_BAD_COMMAND (or TETHER_BAD_OPTION for a bad value). */
export function parseTetherCommand(line: string): TetherCommand {
  const words = line
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  const [verb, ...rest] = words;
  switch (verb) {
    case "cut": {
      const mode = rest[0] ?? "close";
      if ((mode !== "close" && mode !== "blackhole") || rest.length > 1)
        throw bad(line, "cut takes close or blackhole");
      return { kind: "cut", mode };
    }
    case "restore":
    case "stats":
    case "help":
      if (rest.length > 0) throw bad(line, `${verb} takes no arguments`);
      return { kind: verb };
    case "set": {
      let direction: DirectionName = "both";
      if (rest[0] === "up" || rest[0] === "down" || rest[0] === "both") direction = rest.shift() as DirectionName;
      if (rest.length === 0) throw bad(line, "set needs key=value pairs");
      const values: Record<string, string> = {};
      for (const pair of rest) {
        const eq = pair.indexOf("=");
        const key = eq > 0 ? pair.slice(0, eq) : "";
        if (!PLAIN_KEYS.has(key) || eq === pair.length - 1) throw bad(line, `bad setting ${JSON.stringify(pair)}`);
        values[key] = pair.slice(eq + 1);
      }
      const { up } = parseImpairments(values);
      return { kind: "set", direction, params: up };
    }
    default:
      throw bad(line, verb === undefined ? "empty command" : `unknown command ${JSON.stringify(verb)}`);
  }
}

/** Runs a command on a tether; returns the reply text. Throws what the tether throws. */
export function applyTetherCommand(handle: TetherHandle, cmd: TetherCommand): string {
  switch (cmd.kind) {
    case "cut":
      handle.cut(cmd.mode);
      return handle.protocol === "udp" ? "cut" : `cut (${cmd.mode})`;
    case "restore":
      handle.restore();
      return "restored";
    case "set":
      handle.setParams(cmd.direction, cmd.params);
      return `set ${cmd.direction} ${JSON.stringify(cmd.params)}`;
    case "stats":
      return JSON.stringify(handle.counters());
    case "help":
      return TETHER_HELP;
  }
}

/**
 * Reads commands line by line from `input` (e.g. stdin) and writes one reply per line through
 * `write`. A bad line gets `error <CODE>: <message>` and never stops the tether. Returns a
 * function that detaches the reader.
 */
export function attachTetherControl(handle: TetherHandle, input: Readable, write: (line: string) => void): () => void {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  rl.on("line", (line) => {
    if (line.trim() === "") return;
    try {
      write(applyTetherCommand(handle, parseTetherCommand(line)));
    } catch (err) {
      write(`error ${errorCode(err)}: ${(err as Error).message}`);
    }
  });
  return () => rl.close();
}
