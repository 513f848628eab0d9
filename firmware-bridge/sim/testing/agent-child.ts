/**
 * A stand-in agent process for the watchdog test: opens the MCU at argv[2] with the real
 * serial backend, handshakes, arms and commands every thruster to 1700 µs at 50 Hz until it
 * is killed. Prints "armed" on stdout once the MCU acknowledged arming.
 */

import { SerialportLink } from "../../../hardware/linux/serialport-link.ts";
import { RealClock } from "../../../src/kernel/real-clock.ts";
import { McuBridge } from "../../bridge/mcu-bridge.ts";

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write("usage: agent-child.ts <device>\n");
  process.exit(2);
}
const clock = new RealClock();
const bridge = new McuBridge({ link: new SerialportLink({ path, baudRate: 115200 }), clock });
bridge.onState.on((s) => {
  if (s !== "ready") return;
  bridge.arm(true).then(
    () => {
      clock.setInterval(20, () => bridge.setThrusters(new Array(8).fill(1700)));
      process.stdout.write("armed\n");
    },
    (err: unknown) => {
      process.stderr.write(`arm failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
});
bridge.start();
