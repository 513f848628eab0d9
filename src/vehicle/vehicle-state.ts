import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { TethysError } from "../kernel/errors.ts";
import { MAX_THRUSTERS, WATERS } from "../protocol/index.ts";

/**
 * The vehicle's own state file: calibration and checks the agent learns while it runs and keeps
 * across restarts — the depth zero (surface pressure, water), per-thruster direction reversal and
 * ESC pulse range, the IMU's calibration offsets. Small JSON, validated on load (a file that does
 * not validate is refused with a code, never half-used), written atomically (a temporary file in
 * the same folder, then rename), so a power cut leaves the old file or the new one.
 */
/** The depth sensor driver's own surface before any zero (its SURFACE_PRESSURE_PA). */
export const SURFACE_PA_DEFAULT = 101_300;
export const DENSITY: Record<(typeof WATERS)[number], number> = { fresh: 997, salt: 1029 };

const pulse = z.number().int().min(800).max(2200);
const RangeSchema = z
  .strictObject({ minUs: pulse, neutralUs: pulse, maxUs: pulse })
  .refine((t) => t.minUs < t.neutralUs && t.neutralUs < t.maxUs, "need minUs < neutralUs < maxUs");
const ThrusterStateSchema = z.strictObject({
  reversed: z.boolean(),
  /** The ESC's pulse range; null: the board profile's. */
  range: RangeSchema.nullable(),
});

export const VehicleStateSchema = z.strictObject({
  version: z.literal(1),
  /** The depth zero; null: never taken (the depth sensor's own standard surface and the board's water). */
  depth: z
    .strictObject({
      /** Pa; plausible atmospheric pressures only (a zero taken underwater is refused when taken). */
      surfacePa: z.number().min(80_000).max(120_000),
      water: z.enum(WATERS),
    })
    .nullable(),
  /** Frame order; absent entries take the board profile's range, not reversed. */
  thrusters: z.array(ThrusterStateSchema.nullable()).max(MAX_THRUSTERS),
  /** BNO055 calibration offsets (22 bytes, registers 0x55–0x6A), saved once fully calibrated. */
  imuOffsets: z.array(z.number().int().min(0).max(255)).length(22).nullable(),
});
export type VehicleState = z.infer<typeof VehicleStateSchema>;
export type ThrusterState = z.infer<typeof ThrusterStateSchema>;

export function defaultVehicleState(): VehicleState {
  return { version: 1, depth: null, thrusters: [], imuOffsets: null };
}

/** Checks a parsed state file; throws TethysError VEHICLE_STATE_INVALID naming the field. */
export function parseVehicleState(value: unknown, source = "state file"): VehicleState {
  const r = VehicleStateSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TethysError(
      "VEHICLE_STATE_INVALID",
      `${source}: ${i ? `${i.path.join(".") || "(top)"}: ${i.message}` : "invalid"}`,
    );
  }
  return r.data;
}

/** Where the agent keeps its state: a file, or memory only (tests, a vehicle without `state_file`). */
export interface VehicleStateStore {
  load(): Promise<VehicleState>;
  save(state: VehicleState): Promise<void>;
}

export class MemoryStateStore implements VehicleStateStore {
  state: VehicleState;
  saves = 0;
  constructor(state: VehicleState = defaultVehicleState()) {
    this.state = structuredClone(state);
  }
  async load(): Promise<VehicleState> {
    return structuredClone(this.state);
  }
  async save(state: VehicleState): Promise<void> {
    this.state = structuredClone(state);
    this.saves++;
  }
}

export class FileStateStore implements VehicleStateStore {
  readonly path: string;
  /** Saves run one after another, newest last (a later save never lands before an earlier one). */
  private chain: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  /** The file's state; the defaults when there is no file yet; VEHICLE_STATE_INVALID when it does not validate. */
  async load(): Promise<VehicleState> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return defaultVehicleState();
      throw new TethysError("VEHICLE_STATE_READ", `cannot read ${this.path}: ${(err as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new TethysError("VEHICLE_STATE_INVALID", `${this.path}: not JSON (${(err as Error).message})`);
    }
    return parseVehicleState(json, this.path);
  }

  save(state: VehicleState): Promise<void> {
    const checked = parseVehicleState(state, "state to save");
    const next = this.chain.then(() => this.write(checked));
    this.chain = next.catch(() => {});
    return next;
  }

  private async write(state: VehicleState): Promise<void> {
    const tmp = join(dirname(this.path), `.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644, flush: true });
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw new TethysError("VEHICLE_STATE_WRITE", `cannot write ${this.path}: ${(err as Error).message}`);
    }
  }
}
