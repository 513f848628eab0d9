/**
 * Simulated program memory of an ATmega2560: 256 KiB, erased to 0xFF, with the top 8 KiB reserved
 * for the bootloader (BOOTSZ = 4096 words, the Arduino Mega layout). Pure, in-memory.
 */
export const ATMEGA2560_FLASH_BYTES = 256 * 1024;
export const ATMEGA2560_BOOTLOADER_BYTES = 8 * 1024;
export const ATMEGA2560_APP_BYTES = ATMEGA2560_FLASH_BYTES - ATMEGA2560_BOOTLOADER_BYTES;
export const ATMEGA2560_PAGE_BYTES = 256;
export const ATMEGA2560_SIGNATURE: readonly [number, number, number] = [0x1e, 0x98, 0x01];

export class FlashMemory {
  readonly bytes: Uint8Array;
  /** First byte address that may not be written (start of the bootloader section). */
  readonly writableEnd: number;
  /** Number of write operations that were refused (outside the application section). */
  refusedWrites = 0;

  constructor(size = ATMEGA2560_FLASH_BYTES, bootloaderBytes = ATMEGA2560_BOOTLOADER_BYTES) {
    this.bytes = new Uint8Array(size).fill(0xff);
    this.writableEnd = size - bootloaderBytes;
  }

  /** Erases the application section (the bootloader keeps itself). */
  eraseApplication(): void {
    this.bytes.fill(0xff, 0, this.writableEnd);
  }

  /** Writes `data` at byte address `address`; false (nothing written) if any byte falls outside the application section. */
  write(address: number, data: Uint8Array): boolean {
    if (address < 0 || address + data.length > this.writableEnd) {
      this.refusedWrites++;
      return false;
    }
    this.bytes.set(data, address);
    return true;
  }

  /** Reads `length` bytes at `address` into `out` (at `outOffset`); bytes past the end read as 0xFF. */
  read(address: number, length: number, out: Uint8Array, outOffset = 0): void {
    for (let i = 0; i < length; i++) out[outOffset + i] = this.bytes[address + i] ?? 0xff;
  }
}
