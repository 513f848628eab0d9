import { DeviceHealth, type DeviceResult, deviceFault } from "./device-health.ts";
import type { Pca9685 } from "./pca9685.ts";

export interface CameraTiltOptions {
  channel: number;
  /** Pulse at full down and full up, µs (a hobby servo: 1100–1900). */
  downUs?: number;
  upUs?: number;
  /** Degrees the camera turns from level at full travel either way. */
  rangeDeg?: number;
  name?: string;
}

/**
 * The camera's tilt servo on a PCA9685 channel: a position from −1 (full down) through 0 (level)
 * to 1 (full up) becomes a pulse between `downUs` and `upUs`. A hobby servo reports nothing back,
 * so the angle is the one last commanded (`angleDeg`); `onMoved` is called after each change
 * reached the PCA9685 (the simulated camera and the cockpit's HUD follow it). The PCA9685 is
 * initialised by its owner; `init()` levels the camera.
 */
export class CameraTilt {
  readonly health: DeviceHealth;
  /** Called after a new position was written. */
  onMoved: (() => void) | undefined;
  private readonly pwm: Pca9685;
  private readonly o: Required<Omit<CameraTiltOptions, "name">>;
  private pos = 0;

  constructor(pwm: Pca9685, options: CameraTiltOptions) {
    this.pwm = pwm;
    this.o = { downUs: 1100, upUs: 1900, rangeDeg: 45, ...options };
    this.health = new DeviceHealth(options.name ?? "camera-tilt", 1);
  }

  /** The commanded position, −1..1. */
  get position(): number {
    return this.pos;
  }

  /** The camera's angle from level, degrees, up positive (the commanded one). */
  get angleDeg(): number {
    return this.pos * this.o.rangeDeg;
  }

  init(): Promise<DeviceResult<void>> {
    return this.setPosition(0);
  }

  async setPosition(position: number): Promise<DeviceResult<void>> {
    if (!Number.isFinite(position))
      return this.health.failure(
        deviceFault("DEVICE_BAD_VALUE", this.health.device, `tilt ${String(position)} is not a number`),
      );
    const p = Math.min(1, Math.max(-1, position));
    const { downUs, upUs } = this.o;
    const r = await this.pwm.setPulse(this.o.channel, (downUs + upUs) / 2 + (p * (upUs - downUs)) / 2);
    if (!r.ok) return this.health.failure(r.error);
    const moved = p !== this.pos;
    this.pos = p;
    if (moved) this.onMoved?.();
    return this.health.ok(undefined);
  }
}
