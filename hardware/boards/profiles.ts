import { TethysError } from "../../src/kernel/errors.ts";
import { type BoardProfile, type BoardProfileInput, parseBoardProfile } from "./schema.ts";

/**
 * Built-in board profiles (data). GPIO chips are named by character-device name: "gpiochip0" is
 * the SoC controller on a Raspberry Pi 3/4 (and RP1 on a Pi 5 with current kernels); override
 * `chip` with the label (e.g. "pinctrl-bcm2711") where that differs. Cameras: the Raspberry Pi
 * camera on the CSI connector of a Pi, a UVC camera at /dev/video0 on a BeagleBone (no CSI).
 */
export const BUILTIN_PROFILES: Readonly<Record<string, BoardProfileInput>> = {
  "rpi-pca9685": {
    name: "rpi-pca9685",
    description:
      "Raspberry Pi, PCA9685 at 0x40 driving six ESCs directly, Bar30, BNO055, INA260 at 0x41 (rated ±15 A: small vehicles; rpi-pca9685-psm for a full-size ROV), leak probe on GPIO 27, lights on channel 8, camera tilt servo on channel 9",
    fluid: "fresh",
    devices: {
      depth: { type: "ms5837", model: "30BA", bus: "/dev/i2c-1", address: 0x76 },
      imu: { type: "bno055", bus: "/dev/i2c-1", address: 0x28 },
      power: { type: "ina260", bus: "/dev/i2c-1", address: 0x41 },
      pwm: { type: "pca9685", bus: "/dev/i2c-1", address: 0x40, frequencyHz: 50 },
    },
    leak: [{ chip: "gpiochip0", line: 27 }],
    lights: { kind: "pwm", channel: 8, mode: "servo" },
    cameraTilt: { kind: "pwm", channel: 9 },
    thrusters: { kind: "pca9685", channels: [0, 1, 2, 3, 4, 5] },
    cameras: [{ name: "front", kind: "rpicam", device: "0" }],
  },
  "rpi-pca9685-psm": {
    name: "rpi-pca9685-psm",
    description:
      "Raspberry Pi, PCA9685 at 0x40 driving six ESCs directly, Bar30, BNO055, Blue Robotics Power Sense Module through an ADS1115 at 0x48 (V on AIN0, I on AIN1; up to ≈ 112 A), leak probe on GPIO 27, lights on channel 8, camera tilt servo on channel 9",
    fluid: "fresh",
    devices: {
      depth: { type: "ms5837", model: "30BA", bus: "/dev/i2c-1", address: 0x76 },
      imu: { type: "bno055", bus: "/dev/i2c-1", address: 0x28 },
      power: { type: "ads1115-psm", bus: "/dev/i2c-1", address: 0x48, voltageChannel: 0, currentChannel: 1 },
      pwm: { type: "pca9685", bus: "/dev/i2c-1", address: 0x40, frequencyHz: 50 },
    },
    leak: [{ chip: "gpiochip0", line: 27 }],
    lights: { kind: "pwm", channel: 8, mode: "servo" },
    cameraTilt: { kind: "pwm", channel: 9 },
    thrusters: { kind: "pca9685", channels: [0, 1, 2, 3, 4, 5] },
    cameras: [{ name: "front", kind: "rpicam", device: "0" }],
  },
  "rpi-serial-mcu": {
    name: "rpi-serial-mcu",
    description:
      "Raspberry Pi, thrusters through the serial motor controller on /dev/ttyAMA0, Bar30, BNO055, INA260, leak on GPIO 27, lights on GPIO 22",
    fluid: "fresh",
    devices: {
      depth: { type: "ms5837", model: "30BA", bus: "/dev/i2c-1", address: 0x76 },
      imu: { type: "bno055", bus: "/dev/i2c-1", address: 0x28 },
      power: { type: "ina260", bus: "/dev/i2c-1", address: 0x40 },
    },
    leak: [{ chip: "gpiochip0", line: 27 }],
    lights: { kind: "gpio", chip: "gpiochip0", line: 22 },
    thrusters: { kind: "serial", port: "/dev/ttyAMA0", baudRate: 115200, channels: [0, 1, 2, 3, 4, 5] },
    cameras: [{ name: "front", kind: "rpicam", device: "0" }],
  },
  "bbb-serial-mcu": {
    name: "bbb-serial-mcu",
    description:
      "BeagleBone Black, thrusters through the serial motor controller on UART1 (/dev/ttyS1), sensors on I2C2 (/dev/i2c-2), leak on P9_15 (GPIO1_16), lights on P9_12 (GPIO1_28)",
    fluid: "fresh",
    devices: {
      depth: { type: "ms5837", model: "30BA", bus: "/dev/i2c-2", address: 0x76 },
      imu: { type: "bno055", bus: "/dev/i2c-2", address: 0x28 },
      power: { type: "ina260", bus: "/dev/i2c-2", address: 0x40 },
    },
    leak: [{ chip: "gpiochip1", line: 16 }],
    lights: { kind: "gpio", chip: "gpiochip1", line: 28 },
    thrusters: { kind: "serial", port: "/dev/ttyS1", baudRate: 115200, channels: [0, 1, 2, 3, 4, 5] },
    cameras: [{ name: "front", kind: "uvc", device: "/dev/video0" }],
  },
};

/** A built-in profile by name, validated; BOARD_UNKNOWN lists the names that exist. */
export function builtinProfile(name: string): BoardProfile {
  const p = Object.hasOwn(BUILTIN_PROFILES, name) ? BUILTIN_PROFILES[name] : undefined;
  if (p === undefined) {
    throw new TethysError(
      "BOARD_UNKNOWN",
      `no board profile "${name}"; known: ${Object.keys(BUILTIN_PROFILES).join(", ")}`,
      { details: { name } },
    );
  }
  return parseBoardProfile(p);
}
