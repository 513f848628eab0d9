import { Counter, Gauge, type Registry } from "prom-client";
import type { LinkStats } from "./stats.ts";

/**
 * Prometheus metrics of a command link, read from its LinkStats at scrape time (no work on the
 * hot path): frames and bytes by direction, drops and closes by reason code, heartbeat rtt.
 * `side` labels which end ("vehicle" or "hub"); pass `() => client.stats` or `() => server.totals()`.
 */
export function registerLinkMetrics(registry: Registry, side: "vehicle" | "hub", read: () => LinkStats): void {
  const mirror = (
    name: string,
    help: string,
    labelNames: string[],
    values: (s: LinkStats) => [Record<string, string>, number][],
  ): void => {
    new Counter({
      name,
      help,
      labelNames: ["side", ...labelNames],
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, v] of values(read())) if (v > 0) this.inc({ side, ...labels }, v);
      },
    });
  };
  mirror("tethys_command_frames_total", "Command-link frames accepted (in) and written (out).", ["dir"], (s) => [
    [{ dir: "in" }, s.framesIn],
    [{ dir: "out" }, s.framesOut],
  ]);
  mirror("tethys_command_bytes_total", "Command-link bytes received and written.", ["dir"], (s) => [
    [{ dir: "in" }, s.bytesIn],
    [{ dir: "out" }, s.bytesOut],
  ]);
  mirror("tethys_command_drops_total", "Command-link frames dropped, by reason code.", ["reason"], (s) =>
    Object.entries(s.drops).map(([reason, v]) => [{ reason }, v]),
  );
  mirror(
    "tethys_command_closes_total",
    "Command-link connections closed or refused, by reason code.",
    ["reason"],
    (s) => Object.entries(s.closes).map(([reason, v]) => [{ reason }, v]),
  );
  new Gauge({
    name: "tethys_command_rtt_ms",
    help: "Last command-link heartbeat round trip, ms (vehicle side).",
    labelNames: ["side"],
    registers: [registry],
    collect() {
      const rtt = read().rttMs;
      if (rtt === undefined) this.reset();
      else this.set({ side }, rtt);
    },
  });
}
