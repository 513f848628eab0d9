import assert from "node:assert/strict";
import { test } from "node:test";
import { SerialportLink } from "../../hardware/linux/serialport-link.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import { type BridgeState, McuBridge } from "./mcu-bridge.ts";

// A flashed Arduino Mega on a real port, e.g. TETHYS_MCU_DEVICE=/dev/ttyACM0. Thrusters must be
// disconnected or props off: the test arms and sends neutral only.
const device = process.env.TETHYS_MCU_DEVICE;

test("real MCU: handshake, version, ping, arm/disarm with neutral thrusters", {
  skip: device ? false : "set TETHYS_MCU_DEVICE=/dev/ttyACM0 to run against a flashed board",
  timeout: 20_000,
}, async () => {
  const bridge = new McuBridge({
    link: new SerialportLink({ path: device as string, baudRate: 115200 }),
    clock: new RealClock(),
  });
  try {
    const settled = new Promise<BridgeState>((resolve) => {
      bridge.onState.on((s) => {
        if (s === "ready" || s === "version-mismatch") resolve(s);
      });
    });
    bridge.start();
    assert.equal(await settled, "ready", bridge.armRefusal()?.message);
    assert.equal(bridge.mcu?.proto, PROTOCOL_VERSION);
    assert.ok((await bridge.ping()) < 100);
    await bridge.arm(true);
    bridge.setThrusters(new Array(8).fill(1500));
    await bridge.arm(false);
    assert.equal(bridge.stats.crcErrors, 0);
  } finally {
    await bridge.stop();
  }
});
