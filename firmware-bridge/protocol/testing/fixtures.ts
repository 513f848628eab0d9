import { readFileSync } from "node:fs";
import type { Message } from "../messages.ts";

/** Typed view of fixtures.json (the wire-format examples shared by the TS and C tests). */
export interface Fixtures {
  crc16: { desc: string; ascii?: string; hex?: string; crc: string }[];
  cobs: { raw: string; encoded: string }[];
  frames: { desc: string; message: Message; raw: string; wire: string }[];
  bad: { desc: string; wire: string; error: string; mcuCounter: "crc_errors" | "frame_errors" }[];
}

export function loadFixtures(): Fixtures {
  return JSON.parse(readFileSync(new URL("../fixtures.json", import.meta.url), "utf8")) as Fixtures;
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error(`bad hex string ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
