import { pino } from "pino";
import { Registry } from "prom-client";
import { openBoard } from "../hardware/boards/open-board.ts";
import { builtinProfile } from "../hardware/boards/profiles.ts";
import { parseBoardProfile } from "../hardware/boards/schema.ts";
import { PwmThrusters } from "../hardware/drivers/pwm-thrusters.ts";
import { TethysError } from "../src/errors.ts";
import { decodeFrame, type Message } from "../src/protocol/index.ts";
import { VehicleAgent } from "../src/vehicle/agent.ts";
import { BoardSensors } from "../src/vehicle/board-sensors.ts";
import { VECTORED_6 } from "../src/vehicle/frame.ts";
import { PwmThrusterOutput } from "../src/vehicle/pwm-output.ts";
import type { RecordSink } from "./recorder.ts";
import type { World } from "./world.ts";

/**
 * The vehicle agent inside a headless run, on the world's clock: the real drivers (rpi-pca9685
 * profile) on the world's simulated buses, the real control loop, thrusters through the
 * PCA9685 model. Script commands are delivered as from the authenticated pilot (the links are
 * not in a headless run; the three-process `tethys sim` has them). The agent's telemetry and
 * its events and alarms go into the recording:
 *   {"type":"telemetry","t":s,…the telemetry message…}
 *   {"type":"agent","t":s,"message":{"type":"alarm"|"event",…}}
 */
export interface HeadlessAgent {
  /** Delivers a pilot command; throws SIM_AGENT_NOT_READY before the board is up. */
  command(message: Message): void;
  stop(): Promise<void>;
}

export function startHeadlessAgent(world: World, sink: RecordSink, options: { loopHz?: number; telemetryHz?: number } = {}): HeadlessAgent {
  const clock = world.clock;
  const t = () => Math.round(clock.now()) / 1000;
  let agent: VehicleAgent | undefined;
  let sensors: BoardSensors | undefined;
  const ready = (async () => {
    const profile = parseBoardProfile({ ...builtinProfile("rpi-pca9685"), fluid: { densityKgM3: world.density } });
    const board = await openBoard(profile, { clock, i2c: async () => world.i2c, gpio: world.gpio });
    await board.init();
    if (!(board.thrusters instanceof PwmThrusters)) throw new TethysError("SIM_AGENT", "rpi-pca9685 has PCA9685 thrusters");
    sensors = new BoardSensors(board, clock);
    sensors.start();
    agent = new VehicleAgent({
      clock,
      frame: VECTORED_6,
      sensors,
      thrusters: new PwmThrusterOutput(board.thrusters, VECTORED_6.thrusters.length),
      telemetry: { send: (bytes) => sink.write({ t: t(), ...decodeFrame(bytes).message }) },
      events: { send: (message) => sink.write({ type: "agent", t: t(), message }) },
      logger: pino({ level: "silent" }),
      registry: new Registry(),
      loopHz: options.loopHz ?? 50,
      telemetryHz: options.telemetryHz ?? 10,
    });
    agent.setCommandLink(true);
    agent.start();
    return board;
  })();
  return {
    command(message) {
      if (agent === undefined) throw new TethysError("SIM_AGENT_NOT_READY", "the agent is still starting its board");
      agent.handleCommand(message);
    },
    async stop() {
      const board = await ready;
      await agent?.shutdown();
      sensors?.stop();
      await board.close();
    },
  };
}
