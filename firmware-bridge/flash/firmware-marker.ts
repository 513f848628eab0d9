/**
 * The version marker a Tethys MCU image embeds: ASCII `TETHYS-MCU proto=<N> fw=<x.y.z>` ended by
 * a NUL byte. Pure: finds and parses it in image bytes, and decides whether the agent can speak
 * the image's protocol.
 */
import { TethysError } from "../../src/kernel/errors.ts";

export interface FirmwareMarker {
  readonly protocol: number;
  readonly firmware: string;
  /** Byte address of the marker in the image. */
  readonly address: number;
}

const MAX_MARKER_BYTES = 96;
const BODY = /^proto=(\d{1,9}) fw=(\d{1,5}\.\d{1,5}\.\d{1,5})$/;

/** Finds the marker; throws FLASH_MARKER_MISSING, FLASH_MARKER_MALFORMED or FLASH_MARKER_AMBIGUOUS. */
export function findFirmwareMarker(image: Uint8Array, prefix: string): FirmwareMarker {
  const needle = new TextEncoder().encode(prefix);
  const found: FirmwareMarker[] = [];
  const bytes = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) {
    const start = at + needle.length;
    const nul = bytes.indexOf(0, start);
    if (nul === -1 || nul - at > MAX_MARKER_BYTES) {
      throw new TethysError(
        "FLASH_MARKER_MALFORMED",
        `firmware marker at 0x${at.toString(16)} is not NUL-terminated within ${MAX_MARKER_BYTES} bytes`,
        { details: { address: at } },
      );
    }
    const body = bytes.subarray(start, nul).toString("latin1");
    const m = BODY.exec(body);
    if (m === null) {
      throw new TethysError(
        "FLASH_MARKER_MALFORMED",
        `firmware marker at 0x${at.toString(16)} reads "${printable(prefix + body)}", expected "${prefix}proto=<N> fw=<x.y.z>"`,
        { details: { address: at } },
      );
    }
    found.push({ protocol: Number(m[1]), firmware: m[2] as string, address: at });
  }
  const first = found[0];
  if (first === undefined) {
    throw new TethysError(
      "FLASH_MARKER_MISSING",
      `image holds no "${prefix.trim()}" firmware marker: it is not a Tethys MCU image`,
    );
  }
  const other = found.find((f) => f.protocol !== first.protocol || f.firmware !== first.firmware);
  if (other !== undefined) {
    throw new TethysError(
      "FLASH_MARKER_AMBIGUOUS",
      `image holds two different firmware markers (proto=${first.protocol} fw=${first.firmware} and proto=${other.protocol} fw=${other.firmware})`,
    );
  }
  return first;
}

/** Throws FLASH_PROTOCOL_MISMATCH unless the agent speaks the image's protocol version. */
export function assertProtocolCompatible(marker: FirmwareMarker, agentProtocol: number): void {
  if (marker.protocol !== agentProtocol) {
    throw new TethysError(
      "FLASH_PROTOCOL_MISMATCH",
      `image speaks MCU protocol ${marker.protocol} (firmware ${marker.firmware}) but this agent speaks protocol ${agentProtocol}: refusing to flash firmware the agent could not drive. Flash an image built from the same Tethys version as the agent.`,
      { details: { imageProtocol: marker.protocol, agentProtocol, firmware: marker.firmware } },
    );
  }
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_MARKER_BYTES);
}
