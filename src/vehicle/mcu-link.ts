import type { Logger } from "pino";
import { McuBridge } from "../../firmware-bridge/bridge/mcu-bridge.ts";
import type { SerialOpener, SerialThrustersSpec } from "../../hardware/boards/open-board.ts";
import type { Clock } from "../kernel/clock.ts";
import { McuThrusterOutput } from "./mcu-output.ts";

export interface McuLinkOptions {
  spec: SerialThrustersSpec;
  /** `vehicle.serial_port`: overrides the profile's port (the simulator's pty). */
  portOverride: string | undefined;
  /** For each frame thruster, its output index (frame `channel`). */
  channelOf: readonly number[];
  clock: Clock;
  logger: Logger;
  /** Opens the serial line: the board backends' `serial` (the serialport backend; tests pass an in-memory one). */
  serial: SerialOpener;
}

export interface McuLink {
  readonly bridge: McuBridge;
  readonly output: McuThrusterOutput;
  stop(): Promise<void>;
}

/**
 * Wiring of a serial-MCU board: the SerialLink the backends open on the profile's port (or
 * `vehicle.serial_port`), the bridge, and the thruster output on it; the bridge's errors and the MCU's events are logged
 * (a watchdog trip as a warning). Starts the bridge: it connects and reconnects by itself.
 */
export function openMcuLink(o: McuLinkOptions): McuLink {
  const path = o.portOverride ?? o.spec.port;
  const link = o.serial({ path, baudRate: o.spec.baudRate });
  const bridge = new McuBridge({ link, clock: o.clock });
  const output = new McuThrusterOutput({
    bridge,
    channels: o.spec.channels,
    range: { minUs: o.spec.minUs, neutralUs: o.spec.neutralUs, maxUs: o.spec.maxUs },
    channelOf: o.channelOf,
    logger: o.logger,
  });
  const log = o.logger;
  const offs = [
    bridge.onState.on((state) => {
      const info = bridge.mcu;
      if (state === "ready")
        log.info(
          { path, firmware: info?.firmware, proto: info?.proto, watchdogMs: info?.watchdogMs },
          "MCU link ready",
        );
      else if (state === "version-mismatch")
        log.error({ path, code: "MCU_VERSION_MISMATCH" }, bridge.armRefusal()?.message ?? "MCU protocol mismatch");
      else log.info({ path, state }, `MCU link ${state}`);
    }),
    bridge.onError.on((e) => log.warn({ path, code: e.code }, e.message)),
    bridge.onEvent.on((e) => {
      if (e.kind === "watchdogTrip")
        log.warn(
          { code: "MCU_WATCHDOG_TRIP", afterMs: e.detail },
          `MCU watchdog tripped: no command for ${e.detail} ms, thrusters neutral`,
        );
      else log.info({ event: e.kind, detail: e.detail }, `MCU event ${e.kind}`);
    }),
  ];
  bridge.start();
  return {
    bridge,
    output,
    stop: async () => {
      output.close();
      for (const off of offs) off();
      await bridge.stop();
    },
  };
}
