/**
 * The `tethys flash` service: obtain an MCU image (build it with make, or take a file), validate
 * it (Intel HEX records, address range, firmware marker, protocol version), then write and verify
 * it with avrdude. Every refusal is a TethysError with a FLASH_ code; avrdude is never started for
 * an image that fails validation.
 */
import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isTethysError, TethysError } from "../../src/kernel/errors.ts";
import { type HexImage, parseIntelHex } from "../intel-hex/intel-hex.ts";
import { FIRMWARE_MARKER_PREFIX, PROTOCOL_VERSION } from "./agent-protocol.ts";
import type { FlashResult } from "./avrdude-outcome.ts";
import type { FlashProgress } from "./avrdude-output.ts";
import { runAvrdude } from "./avrdude-runner.ts";
import { assertProtocolCompatible, type FirmwareMarker, findFirmwareMarker } from "./firmware-marker.ts";
import { ATMEGA2560_APP_BYTES } from "./stk500v2/flash-memory.ts";

/** Repository root, found from this file (firmware-bridge/flash/). */
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIRMWARE_DIR = join(REPO_ROOT, "firmware-bridge", "firmware");
export const BUILT_IMAGE = join(FIRMWARE_DIR, "build", "tethys-mcu.hex");
/** A full 248 KiB image is about 700 KB of HEX text; anything far larger is not an MCU image. */
export const MAX_IMAGE_FILE_BYTES = 2 * 1024 * 1024;

export interface FlashOptions {
  port: string;
  /** Image file (Intel HEX); exactly one of `image` and `build`. */
  image?: string;
  /** Build the image with `make -C firmware-bridge/firmware avr` first. */
  build?: boolean;
  baud?: number;
  avrdude?: string;
  /** make executable for `build` (default: make on PATH). */
  make?: string;
  /** Protocol version the agent speaks (tests override it; defaults to PROTOCOL_VERSION). */
  agentProtocol?: number;
  onProgress?: (p: FlashProgress) => void;
  /** Called after validation, before avrdude starts. */
  onValidated?: (image: ValidatedImage) => void;
  signal?: AbortSignal;
}

export interface ValidatedImage {
  path: string;
  hex: HexImage;
  marker: FirmwareMarker;
}

export interface FlashReport {
  image: ValidatedImage;
  result: FlashResult;
}

export const DEFAULT_BAUD = 115200;

function badOption(message: string): TethysError {
  return new TethysError("FLASH_BAD_OPTION", message);
}

export function checkFlashOptions(o: FlashOptions): void {
  if (typeof o.port !== "string" || o.port.trim() === "")
    throw badOption("--port is required (e.g. --port /dev/ttyACM0)");
  if ((o.image === undefined) === (o.build !== true)) throw badOption("give exactly one of --image FILE and --build");
  if (o.image?.includes(":")) throw badOption("the image path may not contain ':' (avrdude's -U separator)");
  if (o.baud !== undefined && (!Number.isInteger(o.baud) || o.baud < 300 || o.baud > 2_000_000)) {
    throw badOption(`--baud must be an integer between 300 and 2000000, not ${o.baud}`);
  }
}

/** Reads and validates an image file; throws FLASH_IMAGE_READ, FLASH_HEX_*, FLASH_MARKER_*, FLASH_PROTOCOL_MISMATCH. */
export async function validateImage(path: string, agentProtocol = PROTOCOL_VERSION): Promise<ValidatedImage> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error("not a regular file");
    if (info.size > MAX_IMAGE_FILE_BYTES) {
      throw new TethysError(
        "FLASH_IMAGE_TOO_LARGE",
        `${path} is ${info.size} bytes, too large for an ATmega2560 image in Intel HEX`,
      );
    }
    text = await readFile(path, "latin1");
  } catch (err) {
    if (isTethysError(err)) throw err;
    throw new TethysError("FLASH_IMAGE_READ", `cannot read image ${path}: ${(err as Error).message}`, {
      cause: err,
      details: { path },
    });
  }
  let hex: HexImage;
  try {
    hex = parseIntelHex(text, ATMEGA2560_APP_BYTES);
  } catch (err) {
    if (isTethysError(err))
      throw new TethysError(err.code, `${path}: ${err.message}`, { cause: err, details: { path, ...err.details } });
    throw err;
  }
  const marker = findFirmwareMarker(hex.bytes, FIRMWARE_MARKER_PREFIX);
  assertProtocolCompatible(marker, agentProtocol);
  return { path, hex, marker };
}

/** Runs `make -C firmware-bridge/firmware avr`; resolves with the built image path. */
export function buildImage(make = "make"): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const child = spawn(make, ["-C", FIRMWARE_DIR, "avr"], { stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("error", (err) =>
      reject(new TethysError("FLASH_BUILD_FAILED", `cannot run ${make}: ${err.message}`, { cause: err })),
    );
    child.once("close", (code) => {
      if (code === 0) resolve(BUILT_IMAGE);
      else
        reject(
          new TethysError("FLASH_BUILD_FAILED", `building the firmware failed (make exit ${code}):\n${output.trim()}`, {
            details: { exitCode: code },
          }),
        );
    });
  });
}

export async function flashFirmware(o: FlashOptions): Promise<FlashReport> {
  checkFlashOptions(o);
  const path = o.build === true ? await buildImage(o.make) : (o.image as string);
  const image = await validateImage(path, o.agentProtocol);
  try {
    await stat(o.port);
  } catch (err) {
    throw new TethysError("FLASH_PORT_OPEN", `serial port ${o.port} does not exist: check --port and the USB cable`, {
      cause: err,
      details: { port: o.port },
    });
  }
  o.onValidated?.(image);
  const result = await runAvrdude({
    avrdude: o.avrdude ?? "avrdude",
    port: o.port,
    baud: o.baud ?? DEFAULT_BAUD,
    imagePath: path,
    onProgress: o.onProgress,
    signal: o.signal,
  });
  return { image, result };
}
