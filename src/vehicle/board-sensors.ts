import type { Logger } from "pino";
import type { Board } from "../../hardware/boards/open-board.ts";
import type { Bno055Calibration } from "../../hardware/drivers/bno055-math.ts";
import type { DeviceResult } from "../../hardware/drivers/device-health.ts";
import { depthFromPressure } from "../../hardware/drivers/ms5837-math.ts";
import { emptySnapshot, type SensorSnapshot } from "../control/sensor-snapshot.ts";
import type { Clock, Timer } from "../kernel/clock.ts";
import type { SensorSource } from "./io.ts";

/**
 * Samples a board's sensors on their own timers and keeps the latest values for the control
 * loop (which never waits on I2C). A poll still in flight is not started again, so a slow or
 * clock-stretching device cannot pile up transactions. A failed read makes that value null
 * (unknown) until a read succeeds; the driver's own health tracks the fault.
 *
 * Derived value: consumed energy, by integrating volts × amps over time. (Vertical speed is the
 * control's estimator's, src/control/estimator.ts, which the telemetry reports.)
 */
export interface BoardSensorRates {
  depthHz: number;
  imuHz: number;
  powerHz: number;
}

export const DEFAULT_RATES: BoardSensorRates = { depthHz: 20, imuHz: 50, powerHz: 10 };

export interface BoardSensorsOptions {
  /** Poll rates (default DEFAULT_RATES). */
  rates?: Partial<BoardSensorRates>;
  /** Where a read that throws (a driver bug, not a device fault) is reported. */
  logger?: Logger;
}

export class BoardSensors implements SensorSource {
  private readonly board: Board;
  private readonly clock: Clock;
  private readonly rates: BoardSensorRates;
  private readonly logger: Logger | undefined;
  private readonly snap: SensorSnapshot = emptySnapshot();
  private readonly timers: Timer[] = [];
  private readonly unwatch: (() => void)[] = [];
  private lastPowerT: number | undefined;
  private consumedWh = 0;
  private readonly busy = new Set<string>();
  /** The depth zero; undefined: the driver's own depth (its configured surface and water). */
  private zero: { surfacePa: number; density: number } | undefined;
  private imuCal: Bno055Calibration | null = null;

  constructor(board: Board, clock: Clock, options: BoardSensorsOptions = {}) {
    this.board = board;
    this.clock = clock;
    this.rates = { ...DEFAULT_RATES, ...options.rates };
    this.logger = options.logger;
  }

  latest(): SensorSnapshot {
    return this.snap;
  }

  /** Starts the consumed-energy counter again from 0 (the `reset-energy` command, after a battery swap). */
  resetEnergy(): void {
    this.consumedWh = 0;
    if (this.snap.consumedWh !== null) this.snap.consumedWh = 0;
  }

  /** Depth from now on = (pressure − surfacePa) / (density · g) (the `depth-zero` command, the state file). */
  setDepthZero(surfacePa: number, densityKgM3: number): void {
    this.zero = { surfacePa, density: densityKgM3 };
  }

  /** The IMU's calibration status from its CALIB_STAT register (read once a second), or null. */
  imuCalibration(): Bno055Calibration | null {
    return this.imuCal;
  }

  /** The IMU's learned calibration bytes (read in its CONFIG mode, ≈ 26 ms without fusion), or null. */
  async readImuOffsets(): Promise<number[] | null> {
    const imu = this.board.imu;
    if (imu === undefined) return null;
    const r = await imu.readOffsets();
    return r.ok ? r.value : null;
  }

  /** Host figures the board does not measure: CPU load (%) and SoC temperature (°C). */
  setHost(loadPercent: number | null, cpuTemperature: number | null): void {
    this.snap.cpuLoadPercent = loadPercent;
    this.snap.cpuTemperature = cpuTemperature;
  }

  start(): void {
    const b = this.board;
    if (b.depth)
      this.every(
        "depth",
        this.rates.depthHz,
        () => b.depth?.read(),
        (r) => this.onDepth(r),
      );
    if (b.imu)
      this.every(
        "imu",
        this.rates.imuHz,
        () => b.imu?.read(),
        (r) => this.onImu(r),
      );
    if (b.imu)
      this.every(
        "imu-calibration",
        1,
        () => b.imu?.calibration(),
        (r) => {
          this.imuCal = r.ok ? r.value : null;
        },
      );
    if (b.power)
      this.every(
        "power",
        this.rates.powerHz,
        () => b.power?.read(),
        (r) => this.onPower(r),
      );
    const leaks = b.leaks;
    const updateLeak = (): void => {
      this.snap.leak = leaks.some((l) => l.leaking);
    };
    for (const l of leaks) this.unwatch.push(l.onChange(updateLeak));
    updateLeak();
  }

  stop(): void {
    for (const t of this.timers.splice(0)) t.cancel();
    for (const u of this.unwatch.splice(0)) u();
  }

  private every<T>(
    name: string,
    hz: number,
    read: () => Promise<DeviceResult<T>> | undefined,
    apply: (r: DeviceResult<T>) => void,
  ): void {
    this.timers.push(
      this.clock.setInterval(1000 / hz, () => {
        if (this.busy.has(name)) return;
        const p = read();
        if (p === undefined) return;
        this.busy.add(name);
        p.then(apply, (err: unknown) => this.logger?.error({ err, device: name }, "sensor read threw"))
          .finally(() => this.busy.delete(name))
          .catch(() => {});
      }),
    );
  }

  private onDepth(r: DeviceResult<{ depthM: number; pressurePa: number; temperatureC: number; timeMs: number }>): void {
    const s = this.snap;
    if (!r.ok) {
      s.depth = s.waterTemperature = s.pressurePa = null;
      return;
    }
    const { depthM, pressurePa, temperatureC } = r.value;
    const z = this.zero;
    s.pressurePa = pressurePa;
    s.depth = z === undefined ? depthM : depthFromPressure(pressurePa, z.density, z.surfacePa);
    s.waterTemperature = temperatureC;
  }

  private onImu(
    r: DeviceResult<{
      euler: { heading: number; roll: number; pitch: number };
      quaternion: { w: number; x: number; y: number; z: number };
      gyro: { z: number };
      linearAccel: { x: number; y: number; z: number };
    }>,
  ): void {
    const s = this.snap;
    if (!r.ok) {
      s.heading = s.roll = s.pitch = s.yawRate = s.verticalAccel = null;
      s.attitude = null;
      return;
    }
    s.heading = r.value.euler.heading;
    s.roll = r.value.euler.roll;
    s.pitch = r.value.euler.pitch;
    s.attitude = r.value.quaternion;
    s.yawRate = r.value.gyro.z;
    // NED down component of the body-frame linear acceleration: the third row of R(q).
    const { w, x, y, z } = r.value.quaternion;
    const a = r.value.linearAccel;
    s.verticalAccel = 2 * (x * z - w * y) * a.x + 2 * (y * z + w * x) * a.y + (1 - 2 * (x * x + y * y)) * a.z;
  }

  private onPower(r: DeviceResult<{ volts: number; amps: number; saturated: boolean; timeMs: number }>): void {
    const s = this.snap;
    if (!r.ok) {
      s.batteryVoltage = s.batteryCurrent = null;
      s.powerSaturated = false;
      this.lastPowerT = undefined;
      return;
    }
    const { volts, amps, saturated, timeMs } = r.value;
    s.powerSaturated = saturated;
    if (this.lastPowerT !== undefined && timeMs > this.lastPowerT) {
      this.consumedWh += (Math.max(0, volts * amps) * (timeMs - this.lastPowerT)) / 3_600_000;
    }
    this.lastPowerT = timeMs;
    s.batteryVoltage = volts;
    s.batteryCurrent = amps;
    s.consumedWh = this.consumedWh;
  }
}
