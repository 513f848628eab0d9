/** The MCU protocol version this agent speaks, and the firmware marker prefix: one source. */
export { FIRMWARE_MARKER_PREFIX, PROTOCOL_VERSION } from "../protocol/version.ts";
