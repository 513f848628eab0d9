/**
 * GPIO contract on real hardware. Skipped unless TETHYS_TEST_GPIO names a free line
 * ("gpiochip0:17" or "pinctrl-bcm2711:17"). Optional: TETHYS_TEST_GPIO_BACKEND=onoff|libgpiod
 * (default auto) and TETHYS_TEST_GPIO_LOOP naming a second line wired to the first, which the
 * suite drives to test edge events. (The I2C hardware suite is in i2c-linux.test.ts.)
 */
import { gpioContract } from "../../test/contract/gpio.contract.ts";
import type { GpioLine } from "../ports/gpio.ts";
import { type GpioBackendKind, linuxGpioProvider } from "./backends.ts";

function parseLine(s: string | undefined): { chip: string; line: number } | undefined {
  if (s === undefined) return undefined;
  const i = s.lastIndexOf(":");
  return i > 0 ? { chip: s.slice(0, i), line: Number(s.slice(i + 1)) } : undefined;
}

const target = parseLine(process.env.TETHYS_TEST_GPIO);
const loop = parseLine(process.env.TETHYS_TEST_GPIO_LOOP);

gpioContract(
  `Linux GPIO on ${process.env.TETHYS_TEST_GPIO ?? "(TETHYS_TEST_GPIO unset)"}`,
  async () => {
    const t = target as { chip: string; line: number };
    const provider = await linuxGpioProvider({
      kind: (process.env.TETHYS_TEST_GPIO_BACKEND ?? "auto") as GpioBackendKind,
    });
    let driver: GpioLine | undefined;
    const settle = () => new Promise<void>((r) => setTimeout(r, 20));
    return {
      provider,
      chip: t.chip,
      line: t.line,
      missing: { chip: t.chip, line: 10_000 },
      ...(loop === undefined
        ? {}
        : {
            drive: async (v: 0 | 1) => {
              driver ??= await provider.open({ ...loop, direction: "out", initial: v });
              await driver.write(v);
              await settle();
            },
            settle,
          }),
      teardown: async () => {
        await driver?.close();
      },
    };
  },
  { skip: target === undefined ? "set TETHYS_TEST_GPIO=<chip>:<line> to run on real hardware" : false },
);
