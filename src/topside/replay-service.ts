import type { Registry } from "prom-client";
import { ReplayPlayer } from "../dive-log/player.ts";
import { replayRoutes } from "../dive-log/replay-http.ts";
import type { Clock } from "../kernel/clock.ts";
import type { Logger } from "../observability/logger.ts";
import { Hub } from "./hub.ts";
import { VehicleDirectory } from "./vehicle-channel.ts";

export interface ReplayOptions {
  file: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The cockpit bundle to serve. */
  staticDir: string | undefined;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  /** Start playing at once (default: paused at the start). */
  play?: boolean;
}

export interface ReplayService {
  hub: Hub;
  player: ReplayPlayer;
  url: string;
  stop(): Promise<void>;
}

/**
 * `tethys replay`: a hub whose one vehicle is a recorded dive. Browsers sign in as observers
 * (anonymous, no secret: there are no pilot secrets, so nobody can pilot and every command is
 * refused by the hub with `HUB_NOT_PILOT`; the player itself refuses with
 * `DIVELOG_REPLAY_READ_ONLY`), see the recording as they would see the vehicle live, and drive
 * the playback through `/replay/state` and `/replay/control` (the cockpit's replay panel). A
 * cockpit that joins while the replay is paused is sent the telemetry and vehicle status of the
 * position at once.
 */
export async function startReplay(o: ReplayOptions): Promise<ReplayService> {
  const player = await ReplayPlayer.open(o.file, o.clock, o.logger);
  const directory = new VehicleDirectory();
  directory.add(player);
  const hub = new Hub({
    clock: o.clock,
    logger: o.logger,
    registry: o.registry,
    vehicles: directory,
    auth: { pilotHashes: [], observerHashes: [], anonymousObservers: true },
    // A cockpit that joins a paused replay gets the state of the position at once (a playing
    // one gets the next frames); every cockpit then holds it again, which changes nothing.
    recorder: {
      command: () => {},
      role: (change) => {
        if (change.role !== "none" && !player.state().playing) void player.sendState();
      },
    },
    host: o.host,
    port: o.port,
    ...(o.staticDir ? { staticDir: o.staticDir } : {}),
    routes: replayRoutes(player),
  });
  try {
    await hub.start();
  } catch (err) {
    await hub.close().catch(() => {});
    await player.close();
    throw err;
  }
  await player.seek(player.state().start);
  if (o.play) player.play();
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    hub,
    player,
    url: `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${hub.address.port}/`,
    stop: async () => {
      await hub.close();
      await player.close();
    },
  };
}
