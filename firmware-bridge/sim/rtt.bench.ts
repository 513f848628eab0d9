/**
 * Round trip SBC → host firmware → SBC over a socat pty pair with the real serial backend (not
 * a test: prints figures). Run: node firmware-bridge/sim/rtt.bench.ts
 */

import { SerialportLink } from "../../hardware/linux/serialport-link.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { McuBridge } from "../bridge/mcu-bridge.ts";
import { HostMcu } from "./host-mcu.ts";

const mcu = await HostMcu.start();
const bridge = new McuBridge({
  link: new SerialportLink({ path: mcu.path, baudRate: 115200 }),
  clock: new RealClock(),
});
const t0 = performance.now();
await new Promise<void>((resolve) => {
  const off = bridge.onState.on((s) => {
    if (s === "ready") {
      off();
      resolve();
    }
  });
  bridge.start();
});
console.log(`connect + handshake: ${(performance.now() - t0).toFixed(1)} ms`);
const rtts: number[] = [];
for (let i = 0; i < 200; i++) rtts.push(await bridge.ping());
rtts.sort((a, b) => a - b);
const q = (p: number): string => (rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] as number).toFixed(3);
console.log(`ping RTT over pty (n=${rtts.length}): p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms`);
await bridge.arm(true);
const t1 = performance.now();
await new Promise<void>((resolve) => {
  const off = mcu.onPulses.on((us) => {
    if (us[0] === 1700) {
      off();
      resolve();
    }
  });
  bridge.setThrusters([1700]);
});
console.log(`setThrusters → firmware pulse output reported: ${(performance.now() - t1).toFixed(2)} ms`);
await bridge.stop();
await mcu.stop();
