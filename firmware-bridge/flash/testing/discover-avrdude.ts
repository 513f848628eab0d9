/**
 * Developer tool: runs avrdude against the emulated bootloader with every exchange logged, to see
 * exactly what a given avrdude version sends. Extra arguments go to avrdude (e.g. -v -v -v -v).
 *
 *   node firmware-bridge/flash/testing/discover-avrdude.ts image.hex [-v -v -v -v]
 */
import { spawn } from "node:child_process";
import { avrdudeArgs } from "../avrdude-runner.ts";
import { startEmulatedBoard } from "./emulated-board.ts";

const [image, ...extra] = process.argv.slice(2);
if (image === undefined) {
  console.error("usage: discover-avrdude.ts IMAGE.hex [avrdude args...]");
  process.exit(2);
}
const board = await startEmulatedBoard({}, (line) => console.log(line));
const child = spawn("avrdude", [...avrdudeArgs({ port: board.port, baud: 115200, imagePath: image }), ...extra], {
  stdio: ["ignore", "inherit", "pipe"],
});
child.stderr.setEncoding("utf8");
child.stderr.on("data", (text: string) => {
  for (const line of text.split("\n")) if (line.trim() !== "") console.log(`   avrdude: ${line}`);
});
child.on("close", async (code) => {
  console.log(
    `avrdude exit ${code}; commands seen (id: count):`,
    Object.fromEntries([...board.bootloader.stats.commands].map(([k, v]) => [`0x${k.toString(16)}`, v])),
  );
  await board.close();
});
