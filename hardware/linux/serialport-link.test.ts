import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "node:test";
import { hasTool } from "../../firmware-bridge/firmware/build.ts";
import { startPtyPair } from "../../firmware-bridge/sim/socat.ts";
import { serialLinkContract } from "../../test/contract/serial-link.contract.ts";
import { SerialportLink } from "./serialport-link.ts";

const skip = hasTool("socat", "-V") ? false : "socat is not installed: serialport contract over a pty pair skipped";

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
