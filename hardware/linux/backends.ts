import type { Clock } from "../../src/kernel/clock.ts";
import type { BoardBackends, SerialOpener } from "../boards/open-board.ts";
import type { GpioProvider } from "../ports/gpio.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";
import { hasSysfsGpio } from "./gpio-chips.ts";
import { LibgpiodGpioProvider, type LibgpiodOptions } from "./gpio-libgpiod.ts";
import { OnoffGpioProvider, type OnoffProviderOptions } from "./gpio-onoff.ts";
import { LinuxI2cBus, type LinuxI2cOptions } from "./i2c-linux.ts";
import { loadNative, type ModuleImporter } from "./native-loader.ts";
import { SerialportLink } from "./serialport-link.ts";

export type GpioBackendKind = "auto" | "onoff" | "libgpiod";

export interface LinuxGpioOptions {
  kind?: GpioBackendKind;
  sysRoot?: string;
  importer?: ModuleImporter;
  onoff?: OnoffProviderOptions;
  libgpiod?: LibgpiodOptions;
}

/**
 * Picks the GPIO backend: "auto" uses onoff where sysfs GPIO exists and onoff loads, and the
 * libgpiod tools otherwise (kernels built without CONFIG_GPIO_SYSFS).
 */
export async function linuxGpioProvider(options: LinuxGpioOptions = {}): Promise<GpioProvider> {
  const kind = options.kind ?? "auto";
  const sysRoot = options.sysRoot ?? "/sys";
  const onoff = () =>
    new OnoffGpioProvider({ sysRoot, ...(options.importer ? { importer: options.importer } : {}), ...options.onoff });
  if (kind === "onoff") return onoff();
  if (kind === "libgpiod") return new LibgpiodGpioProvider(options.libgpiod);
  if (await hasSysfsGpio(sysRoot)) {
    try {
      await loadNative("onoff", options.importer);
      return onoff();
    } catch {
      // fall through to the tools
    }
  }
  return new LibgpiodGpioProvider(options.libgpiod);
}

/** Opens I2C buses by path, once each (a board shares a bus between its devices). */
export function linuxI2cOpener(options: LinuxI2cOptions = {}): (path: string) => Promise<I2cBus> {
  const open = new Map<string, Promise<I2cBus>>();
  return (path) => {
    let bus = open.get(path);
    if (bus === undefined) {
      bus = LinuxI2cBus.open(path, options);
      bus.catch(() => open.delete(path));
      open.set(path, bus);
    }
    return bus;
  };
}

/**
 * Serial lines through the serialport package (UARTs, USB CDC, pseudo-terminals such as the
 * simulator's MCU pty). The link is made unopened; the native module loads on its first open.
 */
export function linuxSerialOpener(): SerialOpener {
  return (options) => new SerialportLink(options);
}

/** Real backends for `openBoard` and the vehicle assembly: Linux I2C buses, the chosen GPIO backend, serialport. */
export async function linuxBoardBackends(
  clock: Clock,
  options: { gpio?: LinuxGpioOptions; i2c?: LinuxI2cOptions } = {},
): Promise<BoardBackends> {
  return {
    clock,
    i2c: linuxI2cOpener(options.i2c),
    gpio: await linuxGpioProvider(options.gpio),
    serial: linuxSerialOpener(),
  };
}
