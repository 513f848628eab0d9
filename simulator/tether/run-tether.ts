import type { Clock } from "../../src/kernel/clock.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import type { ImpairmentParams } from "./params.ts";
import { impairmentKeys, parseHostPort, parseImpairments } from "./parse-options.ts";
import { type CutMode, type TcpImpairment, TcpTetherProxy } from "./tcp-proxy.ts";
import { type DirectionName, type HostPort, UdpTetherProxy } from "./udp-proxy.ts";

/**
 * Options of `tethys tether`, as a command-line parser hands them over (strings), e.g.
 * `{ listen: "127.0.0.1:0", target: "127.0.0.1:5684", loss: "0.2", delay: "50ms", rate: "1mbit" }`.
 * Impairment keys (`loss`, `delay`, `jitter`, `reorder`, `reorderGap`, `duplicate`, `rate`,
 * `burst`, `queueLimit`) apply to both directions; suffix `Up` (client → target) or `Down` for one.
 */
export interface TetherCliOptions {
  target: string;
  listen?: string;
  protocol?: "udp" | "tcp" | string;
  seed?: string | number;
  [impairment: string]: string | number | undefined;
}

export interface TetherHandle {
  protocol: "udp" | "tcp";
  /** The proxy itself, for events and protocol-specific control. */
  proxy: UdpTetherProxy | TcpTetherProxy;
  address: HostPort;
  cut(mode?: CutMode): void;
  restore(): void;
  setParams(direction: DirectionName, partial: Partial<ImpairmentParams>): void;
  counters(): ReturnType<UdpTetherProxy["counters"]> | ReturnType<TcpTetherProxy["counters"]>;
  close(): Promise<void>;
}

const GENERAL_KEYS = new Set(["target", "listen", "protocol", "seed"]);

/**
 * Entry of `tethys tether`: validates the options (TETHER_BAD_OPTION / TETHER_BAD_ADDRESS naming
 * the option), starts the UDP or TCP proxy and reports where it listens through `log`.
 */
export async function runTether(
  options: TetherCliOptions,
  deps: { clock?: Clock; log?: (line: string) => void } = {},
): Promise<TetherHandle> {
  const known = new Set([...GENERAL_KEYS, ...impairmentKeys()]);
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined && !known.has(k)) {
      throw new TethysError("TETHER_BAD_OPTION", `unknown tether option --${k}`, { details: { option: k } });
    }
  }
  if (typeof options.target !== "string")
    throw new TethysError("TETHER_BAD_ADDRESS", "--target host:port is required", { details: { option: "target" } });
  const target = parseHostPort("target", options.target, false);
  const listen = parseHostPort("listen", options.listen ?? "127.0.0.1:0", true);
  const protocol = options.protocol ?? "udp";
  if (protocol !== "udp" && protocol !== "tcp") {
    throw new TethysError("TETHER_BAD_OPTION", `--protocol must be udp or tcp, got ${JSON.stringify(protocol)}`, {
      details: { option: "protocol" },
    });
  }
  const seed = options.seed === undefined ? 1 : Number(options.seed);
  if (!Number.isSafeInteger(seed))
    throw new TethysError("TETHER_BAD_OPTION", `--seed must be an integer, got ${JSON.stringify(options.seed)}`, {
      details: { option: "seed" },
    });
  const { up, down } = parseImpairments(options);
  const clock = deps.clock ?? new RealClock();
  const log = deps.log ?? ((line: string) => console.log(line));

  let handle: TetherHandle;
  if (protocol === "udp") {
    const p = await UdpTetherProxy.start({ listen, target, clock, up, down, seed });
    handle = {
      protocol,
      proxy: p,
      address: p.address(),
      cut: () => p.cut(),
      restore: () => p.restore(),
      setParams: (d, partial) => p.setParams(d, partial),
      counters: () => p.counters(),
      close: () => p.close(),
    };
  } else {
    const p = await TcpTetherProxy.start({
      listen,
      target,
      clock,
      up: up as Partial<TcpImpairment>,
      down: down as Partial<TcpImpairment>,
      seed,
    });
    handle = {
      protocol,
      proxy: p,
      address: p.address(),
      cut: (mode) => p.cut(mode),
      restore: () => p.restore(),
      setParams: (d, partial) => p.setParams(d, partial as Partial<TcpImpairment>),
      counters: () => p.counters(),
      close: () => p.close(),
    };
  }
  log(
    `tether ${protocol} listening on ${fmt(handle.address)} → ${fmt(target)} up=${JSON.stringify(up)} down=${JSON.stringify(down)} seed=${seed}`,
  );
  return handle;
}

function fmt(a: HostPort): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
