/**
 * STK500 protocol version 2 constants (Atmel application note AVR068), limited to what an
 * stk500v2 bootloader on an ATmega2560 (avrdude's `wiring` programmer) deals with.
 */

export const MESSAGE_START = 0x1b;
export const TOKEN = 0x0e;
/** Largest message body accepted. AVR068 buffers hold 275 bytes; a 256-byte flash page needs 266. */
export const MAX_BODY_SIZE = 275;
/** Frame overhead: start, sequence, size (2), token, checksum. */
export const FRAME_OVERHEAD = 6;

export const CMD = {
  SIGN_ON: 0x01,
  SET_PARAMETER: 0x02,
  GET_PARAMETER: 0x03,
  SET_DEVICE_PARAMETERS: 0x04,
  OSCCAL: 0x05,
  LOAD_ADDRESS: 0x06,
  FIRMWARE_UPGRADE: 0x07,
  ENTER_PROGMODE_ISP: 0x10,
  LEAVE_PROGMODE_ISP: 0x11,
  CHIP_ERASE_ISP: 0x12,
  PROGRAM_FLASH_ISP: 0x13,
  READ_FLASH_ISP: 0x14,
  PROGRAM_EEPROM_ISP: 0x15,
  READ_EEPROM_ISP: 0x16,
  PROGRAM_FUSE_ISP: 0x17,
  READ_FUSE_ISP: 0x18,
  PROGRAM_LOCK_ISP: 0x19,
  READ_LOCK_ISP: 0x1a,
  READ_SIGNATURE_ISP: 0x1b,
  READ_OSCCAL_ISP: 0x1c,
  SPI_MULTI: 0x1d,
} as const;

export const STATUS = {
  CMD_OK: 0x00,
  CMD_TOUT: 0x80,
  RDY_BSY_TOUT: 0x81,
  SET_PARAM_MISSING: 0x82,
  CMD_FAILED: 0xc0,
  CKSUM_ERROR: 0xc1,
  CMD_UNKNOWN: 0xc9,
} as const;

/** Answer id used when a frame failed its checksum (AVR068 "ANSWER_CKSUM_ERROR"). */
export const ANSWER_CKSUM_ERROR = 0xb0;

export const PARAM = {
  BUILD_NUMBER_LOW: 0x80,
  BUILD_NUMBER_HIGH: 0x81,
  HW_VER: 0x90,
  SW_MAJOR: 0x91,
  SW_MINOR: 0x92,
  VTARGET: 0x94,
  VADJUST: 0x95,
  OSC_PSCALE: 0x96,
  OSC_CMATCH: 0x97,
  SCK_DURATION: 0x98,
  TOPCARD_DETECT: 0x9a,
  STATUS: 0x9c,
  DATA: 0x9d,
  RESET_POLARITY: 0x9e,
  CONTROLLER_INIT: 0x9f,
} as const;

/** Bit 31 of a CMD_LOAD_ADDRESS word address: also load the extended (>64 Ki words) byte. */
export const LOAD_ADDRESS_EXTENDED = 0x8000_0000;
