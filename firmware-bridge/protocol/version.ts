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
