/**
 * Pure model of an stk500v2 bootloader on an ATmega2560 (what avrdude's `wiring` programmer talks
 * to): takes one decoded message body, returns the answer body. No I/O, no timers.
 *
 * Faults for tests are configured up front: stay silent, report another chip's signature, or
 * corrupt one byte of flash on read-back. Malformed commands get STATUS_CMD_FAILED, unknown ones
 * STATUS_CMD_UNKNOWN; nothing here throws on input.
 */
import { CMD, LOAD_ADDRESS_EXTENDED, MAX_BODY_SIZE, PARAM, STATUS } from "./constants.ts";
import { ATMEGA2560_SIGNATURE, FlashMemory } from "./flash-memory.ts";

export interface BootloaderOptions {
  /** Never answer (a board that is not there, or not in its bootloader). */
  silent?: boolean;
  /** Signature bytes to report; defaults to the ATmega2560's 1E 98 01. */
  signature?: readonly [number, number, number];
  /** Byte address whose value is inverted whenever flash is read back (a verify failure). */
  corruptReadAt?: number;
  /** Fuse and lock bytes reported (Arduino Mega 2560 defaults). */
  fuses?: { low: number; high: number; extended: number; lock: number };
  /** Sign-on string; "AVRISP_2" is what stk500v2 bootloaders answer. */
  signOn?: string;
}

/** Counters and a per-command tally, for tests and discovery logs. */
export interface BootloaderStats {
  commands: Map<number, number>;
  failed: number;
  unknown: number;
  bytesWritten: number;
  bytesRead: number;
}

const DEFAULT_FUSES = { low: 0xff, high: 0xd8, extended: 0xfd, lock: 0xcf };
const PARAMS_DEFAULT: ReadonlyArray<readonly [number, number]> = [
  [PARAM.BUILD_NUMBER_LOW, 0],
  [PARAM.BUILD_NUMBER_HIGH, 0],
  [PARAM.HW_VER, 0x0f],
  [PARAM.SW_MAJOR, 0x02],
  [PARAM.SW_MINOR, 0x0a],
  [PARAM.VTARGET, 50],
  [PARAM.VADJUST, 25],
  [PARAM.OSC_PSCALE, 0],
  [PARAM.OSC_CMATCH, 0],
  [PARAM.SCK_DURATION, 2],
  [PARAM.TOPCARD_DETECT, 0xff],
  [PARAM.STATUS, 0],
  [PARAM.DATA, 0],
  [PARAM.RESET_POLARITY, 1],
  [PARAM.CONTROLLER_INIT, 0],
];

export class Stk500v2Bootloader {
  readonly flash: FlashMemory;
  readonly stats: BootloaderStats = { commands: new Map(), failed: 0, unknown: 0, bytesWritten: 0, bytesRead: 0 };
  private readonly silent: boolean;
  private readonly signature: readonly [number, number, number];
  private readonly corruptReadAt: number | undefined;
  private readonly fuses: { low: number; high: number; extended: number; lock: number };
  private readonly signOn: Uint8Array;
  private readonly params = new Map<number, number>(PARAMS_DEFAULT);
  private readonly answer = new Uint8Array(MAX_BODY_SIZE);
  /** Current flash address in 16-bit words, including the extended byte (auto-increments). */
  private wordAddress = 0;
  private progMode = false;

  constructor(options: BootloaderOptions = {}, flash = new FlashMemory()) {
    this.flash = flash;
    this.silent = options.silent ?? false;
    this.signature = options.signature ?? ATMEGA2560_SIGNATURE;
    this.corruptReadAt = options.corruptReadAt;
    this.fuses = options.fuses ?? DEFAULT_FUSES;
    this.signOn = new TextEncoder().encode(options.signOn ?? "AVRISP_2");
  }

  get inProgMode(): boolean {
    return this.progMode;
  }

  /**
   * Handles one message body; returns the answer body, or undefined when the bootloader stays
   * silent. The returned array is only valid until the next call (its buffer is reused).
   */
  handle(body: Uint8Array): Uint8Array | undefined {
    if (this.silent || body.length === 0) return undefined;
    const cmd = body[0] as number;
    this.stats.commands.set(cmd, (this.stats.commands.get(cmd) ?? 0) + 1);
    const a = this.answer;
    a[0] = cmd;
    a[1] = STATUS.CMD_OK;
    switch (cmd) {
      case CMD.SIGN_ON:
        a[2] = this.signOn.length;
        a.set(this.signOn, 3);
        return a.subarray(0, 3 + this.signOn.length);
      case CMD.GET_PARAMETER: {
        const value = body.length >= 2 ? this.params.get(body[1] as number) : undefined;
        if (value === undefined) return this.fail(cmd);
        a[2] = value;
        return a.subarray(0, 3);
      }
      case CMD.SET_PARAMETER:
        if (body.length < 3 || !this.params.has(body[1] as number)) return this.fail(cmd);
        this.params.set(body[1] as number, body[2] as number);
        return a.subarray(0, 2);
      case CMD.ENTER_PROGMODE_ISP:
        this.progMode = true;
        return a.subarray(0, 2);
      case CMD.LEAVE_PROGMODE_ISP:
        this.progMode = false;
        return a.subarray(0, 2);
      case CMD.LOAD_ADDRESS:
        return this.loadAddress(body);
      case CMD.CHIP_ERASE_ISP:
        this.flash.eraseApplication();
        return a.subarray(0, 2);
      case CMD.PROGRAM_FLASH_ISP:
        return this.programFlash(body);
      case CMD.READ_FLASH_ISP:
        return this.readFlash(body);
      case CMD.READ_SIGNATURE_ISP:
      case CMD.READ_FUSE_ISP:
      case CMD.READ_LOCK_ISP:
        // Body: cmd, RetAddr, then a 4-byte ISP instruction.
        if (body.length < 6) return this.fail(cmd);
        a[2] = this.ispInstruction(body[2] as number, body[3] as number, body[4] as number);
        a[3] = STATUS.CMD_OK;
        return a.subarray(0, 4);
      case CMD.SPI_MULTI:
        return this.spiMulti(body);
      default:
        this.stats.unknown++;
        a[1] = STATUS.CMD_UNKNOWN;
        return a.subarray(0, 2);
    }
  }

  private fail(cmd: number): Uint8Array {
    this.stats.failed++;
    this.answer[0] = cmd;
    this.answer[1] = STATUS.CMD_FAILED;
    return this.answer.subarray(0, 2);
  }

  private loadAddress(body: Uint8Array): Uint8Array {
    if (body.length < 5) return this.fail(CMD.LOAD_ADDRESS);
    const raw =
      ((body[1] as number) * 0x1000000 +
        ((body[2] as number) << 16) +
        ((body[3] as number) << 8) +
        (body[4] as number)) >>>
      0;
    // Bit 31 asks the device to also load the extended address byte; the word address itself is
    // the low 31 bits either way (an ATmega2560 has 128 Ki words, so bit 16 matters).
    this.wordAddress = (raw & ~LOAD_ADDRESS_EXTENDED) >>> 0;
    return this.answer.subarray(0, 2);
  }

  private programFlash(body: Uint8Array): Uint8Array {
    // cmd, NumBytes (2), mode, delay, cmd1, cmd2, cmd3, poll1, poll2, data...
    if (body.length < 10) return this.fail(CMD.PROGRAM_FLASH_ISP);
    const count = ((body[1] as number) << 8) | (body[2] as number);
    if (count === 0 || body.length !== 10 + count || count % 2 !== 0) return this.fail(CMD.PROGRAM_FLASH_ISP);
    if (!this.flash.write(this.wordAddress * 2, body.subarray(10))) return this.fail(CMD.PROGRAM_FLASH_ISP);
    this.stats.bytesWritten += count;
    this.wordAddress += count / 2;
    return this.answer.subarray(0, 2);
  }

  private readFlash(body: Uint8Array): Uint8Array {
    // cmd, NumBytes (2), cmd1 -> cmd, OK, data..., OK
    if (body.length < 4) return this.fail(CMD.READ_FLASH_ISP);
    const count = ((body[1] as number) << 8) | (body[2] as number);
    if (count === 0 || count + 3 > MAX_BODY_SIZE) return this.fail(CMD.READ_FLASH_ISP);
    const start = this.wordAddress * 2;
    this.flash.read(start, count, this.answer, 2);
    const corrupt = this.corruptReadAt;
    if (corrupt !== undefined && corrupt >= start && corrupt < start + count) {
      this.answer[2 + corrupt - start] = (this.answer[2 + corrupt - start] as number) ^ 0xff;
    }
    this.answer[2 + count] = STATUS.CMD_OK;
    this.stats.bytesRead += count;
    this.wordAddress += Math.ceil(count / 2);
    return this.answer.subarray(0, 3 + count);
  }

  private spiMulti(body: Uint8Array): Uint8Array {
    // cmd, NumTx, NumRx, RxStartAddr, TxData... -> cmd, OK, RxData..., OK
    if (body.length < 4) return this.fail(CMD.SPI_MULTI);
    const numTx = body[1] as number;
    const numRx = body[2] as number;
    const rxStart = body[3] as number;
    if (body.length !== 4 + numTx || numRx + 3 > MAX_BODY_SIZE) return this.fail(CMD.SPI_MULTI);
    // A 4-byte ISP instruction answers with its result in the last byte; other bytes echo the
    // previous byte sent, as an SPI shift register would. Anything else reads as zero.
    const rx = new Uint8Array(Math.max(numTx, numRx));
    if (numTx === 4) {
      rx[1] = body[4] as number;
      rx[2] = body[5] as number;
      rx[3] = this.ispInstruction(body[4] as number, body[5] as number, body[6] as number, body[7] as number);
    }
    const a = this.answer;
    for (let i = 0; i < numRx; i++) a[2 + i] = rx[rxStart + i] ?? 0;
    a[2 + numRx] = STATUS.CMD_OK;
    return a.subarray(0, 3 + numRx);
  }

  /** Result byte of a serial-programming instruction (ATmega2560 datasheet, "Serial Programming Instruction Set"). */
  private ispInstruction(b1: number, b2: number, b3: number, _b4 = 0): number {
    switch (b1) {
      case 0x30:
        return this.signature[b3 & 0x03] ?? 0xff;
      case 0x50:
        return b2 === 0x08 ? this.fuses.extended : this.fuses.low;
      case 0x58:
        return b2 === 0x08 ? this.fuses.high : this.fuses.lock;
      case 0x38:
        return 0xff; // calibration byte
      case 0x20:
      case 0x28: {
        const byte = ((b2 << 8) | b3) * 2 + (b1 === 0x28 ? 1 : 0);
        return this.flash.bytes[byte] ?? 0xff;
      }
      default:
        return 0;
    }
  }
}
