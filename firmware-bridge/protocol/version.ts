/**
 * Versions of the SBC ↔ MCU wire protocol and of the firmware this tree builds.
 *
 * PROTOCOL_VERSION changes whenever a message layout or meaning changes; the handshake compares
 * it and the agent refuses to arm on a mismatch. The firmware image embeds the ASCII marker
 * `TETHYS-MCU proto=<N> fw=<x.y.z>\0` so tools (flash) can read both from a .hex file.
 * Keep in sync with firmware/src/version.h (a test checks).
 */
export const PROTOCOL_VERSION = 1;
export const FIRMWARE_VERSION = "0.1.0";
export const FIRMWARE_MARKER_PREFIX = "TETHYS-MCU ";

/** The marker string exactly as the firmware embeds it (without the trailing NUL). */
export function firmwareMarker(proto = PROTOCOL_VERSION, fw = FIRMWARE_VERSION): string {
  return `${FIRMWARE_MARKER_PREFIX}proto=${proto} fw=${fw}`;
}

export interface FirmwareMarker {
  proto: number;
  firmware: string;
}

const MARKER_RE = /^proto=(\d{1,3}) fw=(\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/**
 * Finds the version marker in a firmware image (flat bytes, e.g. from an Intel HEX file) and
 * returns its versions, or undefined if the image has no well-formed marker.
 */
export function findFirmwareMarker(image: Uint8Array): FirmwareMarker | undefined {
  const prefix = new TextEncoder().encode(FIRMWARE_MARKER_PREFIX);
  outer: for (let i = 0; i + prefix.length < image.length; i++) {
    for (let k = 0; k < prefix.length; k++) if (image[i + k] !== prefix[k]) continue outer;
    const start = i + prefix.length;
    let end = start;
    while (end < image.length && end - start < 40 && image[end] !== 0) end++;
    if (image[end] !== 0) continue;
    const m = MARKER_RE.exec(new TextDecoder("latin1").decode(image.subarray(start, end)));
    if (m) return { proto: Number(m[1]), firmware: m[2] as string };
  }
  return undefined;
}
