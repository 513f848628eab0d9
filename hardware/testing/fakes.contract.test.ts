import { gpioContract } from "../../test/contract/gpio.contract.ts";
import { i2cBusContract } from "../../test/contract/i2c-bus.contract.ts";
import { FakeGpioProvider } from "./fake-gpio.ts";
import { FakeI2cBus, RegisterFileDevice } from "./fake-i2c-bus.ts";

i2cBusContract("FakeI2cBus", async () => {
  const bus = new FakeI2cBus().attach(0x40, new RegisterFileDevice());
  return { bus, present: 0x40, absent: 0x41 };
});

gpioContract("FakeGpioProvider", async () => {
  const provider = new FakeGpioProvider({ "pinctrl-bcm2835": 54 });
  return {
    provider,
    chip: "pinctrl-bcm2835",
    line: 17,
    missing: { chip: "gpiochip0", line: 54 },
    drive: async (v) => provider.drive("pinctrl-bcm2835", 17, v),
  };
});
