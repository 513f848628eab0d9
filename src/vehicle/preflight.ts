import type { Logger } from "pino";
import { errorCode } from "../kernel/errors.ts";
import type { MessageOf, Water } from "../protocol/index.ts";
import type { CommandResult } from "./agent-metrics.ts";
import type { SensorSource, ThrusterOutput } from "./io.ts";
import type { CheckHost, MotorTest } from "./motor-test.ts";
import {
  DENSITY,
  defaultVehicleState,
  SURFACE_PA_DEFAULT,
  type VehicleState,
  type VehicleStateStore,
} from "./vehicle-state.ts";

/** A depth zero is refused when the vehicle is deeper than this by the current zero (m). */
export const DEPTH_ZERO_MAX_DEPTH_M = 1;
const GRAVITY = 9.80665;

export interface PreflightOptions {
  sensors: SensorSource;
  thrusters: ThrusterOutput;
  /** Thrusters of the frame. */
  count: number;
  logger: Logger;
  /** The vehicle's state (depth zero, thruster settings) as loaded at start; default: the defaults. */
  initialState?: VehicleState;
  /** Where changed state is saved (atomically); without it, changes last until the agent stops. */
  stateStore?: VehicleStateStore;
  /** Take the depth zero from the first pressure reading when it is within ±0.3 m of the saved zero. */
  depthZeroAtStart?: boolean;
  /** The water before any depth zero names one (the board profile's); default fresh. */
  defaultWater?: Water;
}

/**
 * The pilot's pre-flight checks other than the motor test (docs/control.md): thruster settings
 * (`thruster-config`: reversal and ESC range), the depth zero (on request and at start-up), the
 * IMU calibration saved once complete, and the `vehicle-status` frame that reports them. Owns the
 * vehicle state (the state file's content) and what follows from it: the per-thruster sign the
 * agent applies to everything it writes, the depth zero pushed to the sensors and the ESC ranges
 * pushed to the outputs.
 */
export class PreflightChecks {
  /** Per thruster: −1 where the state file reverses it, else 1 (read by the loop and the motor test). */
  readonly sign: Float64Array;
  /** Some thruster is reversed by the state file. */
  anyReversed = false;
  private readonly o: PreflightOptions;
  private readonly host: CheckHost;
  private state: VehicleState;
  private startZeroPending: boolean;
  /** The IMU's calibration is being read to be saved (once, when it first shows complete). */
  private imuSaving = false;
  /** The `vehicle-status` message, reused for every frame. */
  private readonly statusMsg: MessageOf<"vehicle-status">;

  constructor(o: PreflightOptions, host: CheckHost) {
    this.o = o;
    this.host = host;
    this.state = structuredClone(o.initialState ?? defaultVehicleState());
    this.sign = new Float64Array(o.count).fill(1);
    this.startZeroPending = o.depthZeroAtStart ?? false;
    this.statusMsg = {
      type: "vehicle-status",
      pressure: null,
      surfacePressure: 0,
      water: "fresh",
      imuCalibration: { sys: 255, gyro: 255, accel: 255, mag: 255 },
      motorTest: { active: false, thruster: 0, remainingMs: 0 },
      thrusters: Array.from({ length: o.count }, () => ({ reversed: false, minUs: 0, neutralUs: 0, maxUs: 0 })),
    };
    this.applyState();
  }

  /** The vehicle state (a copy). */
  get vehicleState(): VehicleState {
    return structuredClone(this.state);
  }

  /** Each tick, with the latest pressure: the depth zero at start-up, once there is a reading. */
  pressureRead(p: number | null): void {
    if (this.startZeroPending && p !== null) this.zeroAtStart(p);
  }

  /**
   * `thruster-config`: direction and ESC range for one thruster, disarmed and no test running
   * (`busy` otherwise); saved.
   */
  thrusterConfig(m: MessageOf<"thruster-config">, busy: boolean): CommandResult {
    const refuse = (code: string, text: string): CommandResult => {
      this.host.emit("warning", code, `thruster settings refused: ${text}`);
      return "refused";
    };
    if (busy) return refuse("THRUSTER_CONFIG_BUSY", "disarm and finish the motor test first");
    if (m.thruster >= this.o.count)
      return refuse("THRUSTER_CONFIG_INVALID", `no thruster ${m.thruster + 1} (this frame has ${this.o.count})`);
    const r = m.range;
    if (r !== undefined && !(r.minUs < r.neutralUs && r.neutralUs < r.maxUs))
      return refuse("THRUSTER_CONFIG_INVALID", "need minUs < neutralUs < maxUs");
    const list = this.state.thrusters;
    while (list.length <= m.thruster) list.push(null);
    const range = r === undefined ? (list[m.thruster]?.range ?? null) : { ...r };
    list[m.thruster] = { reversed: m.reversed, range };
    this.applyState();
    this.host.writeNeutral();
    this.save();
    this.host.emit(
      "info",
      "THRUSTER_CONFIGURED",
      `thruster ${m.thruster + 1}: ${m.reversed ? "reversed" : "normal"}, ${range === null ? "the board's ESC range" : `${range.minUs}–${range.neutralUs}–${range.maxUs} µs`}`,
    );
    return "ok";
  }

  /** `depth-zero`: the pressure now is the surface's (only near the surface); the water if given; saved. */
  depthZero(water: Water | undefined, why: string): CommandResult {
    const p = this.o.sensors.latest().pressurePa;
    const refuse = (code: string, text: string): CommandResult => {
      this.host.emit("warning", code, `depth zero refused: ${text}`);
      return "refused";
    };
    if (this.o.sensors.setDepthZero === undefined) return "unsupported";
    if (p === null) return refuse("DEPTH_ZERO_NO_SENSOR", "no pressure reading");
    const d = this.depthZeroNow();
    const depthNow = (p - d.surfacePa) / (DENSITY[water ?? d.water] * GRAVITY);
    if (depthNow > DEPTH_ZERO_MAX_DEPTH_M || p < 80_000 || p > 120_000)
      return refuse(
        "DEPTH_ZERO_NOT_AT_SURFACE",
        `the vehicle reads ${depthNow.toFixed(2)} m (${(p / 100).toFixed(1)} mbar): zero at the surface`,
      );
    const zero = { surfacePa: p, water: water ?? d.water };
    this.state.depth = zero;
    this.applyState();
    this.save();
    this.host.emit(
      "info",
      "DEPTH_ZEROED",
      `depth zero ${why}: surface ${(p / 100).toFixed(1)} mbar, ${zero.water} water`,
    );
    return "ok";
  }

  /**
   * Once the IMU reports full calibration (3/3/3/3) and none is saved, its learned bytes are read
   * (disarmed and no motor test only — `busy` otherwise: the chip stops fusing for ≈ 26 ms to give
   * them) and saved; `assembleVehicle` restores them at the next start.
   */
  maybeSaveImuCalibration(busy: boolean): void {
    const s = this.o.sensors;
    if (this.o.stateStore === undefined) return; // nowhere to keep it: leave the chip alone
    if (this.imuSaving || busy || this.state.imuOffsets !== null) return;
    if (s.readImuOffsets === undefined || s.imuCalibration === undefined) return;
    const c = s.imuCalibration();
    if (c === null || c.sys !== 3 || c.gyro !== 3 || c.accel !== 3 || c.mag !== 3) return;
    this.imuSaving = true;
    this.saveImuOffsets(s.readImuOffsets());
  }

  /**
   * Keeps the IMU's learned bytes once read. Out of `maybeSaveImuCalibration`, which runs once a
   * second: a function whose closures use `this` makes a context object on every call, even one
   * that returns before reaching them.
   */
  private saveImuOffsets(read: Promise<number[] | null>): void {
    read.then(
      (bytes) => {
        if (bytes === null || bytes.length !== 22 || this.host.stopped()) {
          this.imuSaving = false;
          return;
        }
        this.state.imuOffsets = bytes;
        this.save();
        this.host.emit(
          "info",
          "IMU_CALIBRATION_SAVED",
          "IMU fully calibrated: its calibration is saved and restored at start",
        );
      },
      (err: unknown) => {
        this.imuSaving = false;
        this.o.logger.warn({ code: errorCode(err) }, "IMU calibration not read");
      },
    );
  }

  /**
   * The `vehicle-status` message (one reused object: encode it before the next call): raw
   * pressure, the depth zero in use, IMU calibration, the motor test, per-thruster settings.
   */
  status(now: number, motorTest: MotorTest): MessageOf<"vehicle-status"> {
    const msg = this.statusMsg;
    const snap = this.o.sensors.latest();
    const cal = this.o.sensors.imuCalibration?.() ?? null;
    const zero = this.state.depth;
    msg.pressure = snap.pressurePa === null ? null : snap.pressurePa / 100;
    msg.surfacePressure = (zero?.surfacePa ?? SURFACE_PA_DEFAULT) / 100;
    msg.water = zero?.water ?? this.o.defaultWater ?? "fresh";
    const c = msg.imuCalibration;
    c.sys = cal?.sys ?? 255;
    c.gyro = cal?.gyro ?? 255;
    c.accel = cal?.accel ?? 255;
    c.mag = cal?.mag ?? 255;
    motorTest.status(now, msg.motorTest);
    for (let i = 0; i < msg.thrusters.length; i++) {
      const t = msg.thrusters[i] as MessageOf<"vehicle-status">["thrusters"][number];
      const s = this.state.thrusters[i] ?? null;
      const r = s?.range ?? null;
      t.reversed = s?.reversed ?? false;
      t.minUs = r?.minUs ?? 0;
      t.neutralUs = r?.neutralUs ?? 0;
      t.maxUs = r?.maxUs ?? 0;
    }
    return msg;
  }

  /** The first pressure reading: taken as the zero when within ±0.3 m of the saved one. */
  private zeroAtStart(p: number): void {
    this.startZeroPending = false;
    const d = this.depthZeroNow();
    const depthNow = (p - d.surfacePa) / (DENSITY[d.water] * GRAVITY);
    if (Math.abs(depthNow) <= 0.3) this.depthZero(undefined, "at start-up");
    else
      this.host.emit(
        "info",
        "DEPTH_ZERO_SKIPPED",
        `no depth zero at start-up: the vehicle reads ${depthNow.toFixed(2)} m by the saved zero (kept)`,
      );
  }

  /** The depth zero in use: the state's, or the standard surface and the board's water. */
  private depthZeroNow(): { surfacePa: number; water: Water } {
    return this.state.depth ?? { surfacePa: SURFACE_PA_DEFAULT, water: this.o.defaultWater ?? "fresh" };
  }

  /** Pushes the state to the sensors (depth zero) and outputs (reversal, ESC ranges). */
  private applyState(): void {
    const d = this.state.depth;
    if (d !== null) this.o.sensors.setDepthZero?.(d.surfacePa, DENSITY[d.water]);
    this.sign.fill(1);
    this.anyReversed = false;
    const ranges = [];
    for (let i = 0; i < this.o.count; i++) {
      const t = this.state.thrusters[i] ?? null;
      if (t?.reversed) {
        this.sign[i] = -1;
        this.anyReversed = true;
      }
      ranges.push(t?.range ?? undefined);
    }
    this.o.thrusters.setRanges?.(ranges);
    this.host.statusChanged();
  }

  private save(): void {
    const store = this.o.stateStore;
    if (store === undefined) return;
    store.save(structuredClone(this.state)).then(
      () => {},
      (err: unknown) => {
        this.o.logger.warn({ code: errorCode(err) }, "vehicle state not saved");
        this.host.emit(
          "warning",
          "VEHICLE_STATE_NOT_SAVED",
          `vehicle state not saved (${errorCode(err)}): ${String(err)}`,
        );
      },
    );
  }
}
