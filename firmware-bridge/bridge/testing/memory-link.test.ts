import { describe } from "node:test";
import { serialLinkContract } from "../../../test/contract/serial-link.contract.ts";
import { MemorySerialPair } from "./memory-link.ts";

describe("MemorySerialPair", () => {
  serialLinkContract("memory", async () => {
    const pair = new MemorySerialPair();
    const missing = new MemorySerialPair("mem:missing", "mem:other");
    missing.unplug();
    return {
      a: pair.a,
      b: pair.b,
      missing: missing.a,
      unplug: async () => pair.unplug(),
      cleanup: async () => {
        await pair.a.close();
        await pair.b.close();
      },
    };
  });
});
