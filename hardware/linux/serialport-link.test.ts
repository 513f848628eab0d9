import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "node:test";
import { serialLinkContract } from "../../test/contract/serial-link.contract.ts";
import { requireTool } from "../../test/support/tools.ts";
import { startPtyPair } from "./pty-pair.ts";
import { SerialportLink } from "./serialport-link.ts";

const skip = requireTool("socat", "socat");

describe("SerialportLink over a socat pty pair", { skip }, () => {
  serialLinkContract("serialport", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tethys-serial-"));
    const pair = await startPtyPair();
    const a = new SerialportLink({ path: pair.a, baudRate: 115200 });
    const b = new SerialportLink({ path: pair.b, baudRate: 115200 });
    const missing = new SerialportLink({ path: join(dir, "no-such-device"), baudRate: 115200 });
    return {
      a,
      b,
      missing,
      unplug: () => pair.stop(),
      cleanup: async () => {
        await a.close();
        await b.close();
        await pair.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

// Real hardware: two serial ports wired to each other (null-modem cable, or two USB-serial
// adapters TX↔RX), e.g. TETHYS_SERIAL_PAIR=/dev/ttyUSB0,/dev/ttyUSB1 (baud: TETHYS_SERIAL_BAUD).
const realPair = process.env.TETHYS_SERIAL_PAIR?.split(",");
describe("SerialportLink on a real serial pair", {
  skip: realPair?.length === 2 ? false : "set TETHYS_SERIAL_PAIR=/dev/ttyX,/dev/ttyY to run on hardware",
}, () => {
  serialLinkContract("serialport (hardware)", async () => {
    const baudRate = Number(process.env.TETHYS_SERIAL_BAUD ?? 115200);
    const [pa, pb] = realPair as [string, string];
    const a = new SerialportLink({ path: pa, baudRate });
    const b = new SerialportLink({ path: pb, baudRate });
    const missing = new SerialportLink({ path: "/dev/tethys-no-such-device", baudRate });
    return {
      a,
      b,
      missing,
      cleanup: async () => {
        await a.close();
        await b.close();
      },
    };
  });
});
