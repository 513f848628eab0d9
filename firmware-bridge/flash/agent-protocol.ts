/**
 * The MCU protocol version this agent speaks, and the prefix of the marker the firmware embeds.
 *
 * The one place the flasher learns these. Until firmware-bridge/protocol/version.ts exists on this
 * branch they are defined here; at merge this file becomes a re-export:
 *   export { FIRMWARE_MARKER_PREFIX, PROTOCOL_VERSION } from "../protocol/version.ts";
 */
export const PROTOCOL_VERSION: number = 1;
export const FIRMWARE_MARKER_PREFIX: string = "TETHYS-MCU ";
