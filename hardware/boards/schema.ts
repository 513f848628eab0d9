import { z } from "zod";
import { TethysError } from "../../src/kernel/errors.ts";

/**
 * Board profile: a declarative description of what is connected where. Data only, validated
 * here; `openBoard` turns it into driver instances on injected backends.
 */
const i2cAddress = z.number().int().min(0x03).max(0x77);
const busPath = z.string().regex(/^\/dev\/i2c-\d+$/, "an I2C bus path like /dev/i2c-1");
const pwmChannel = z.number().int().min(0).max(15);
const gpioLine = z.strictObject({
  /** gpiochip label ("pinctrl-bcm2711") or device name ("gpiochip0"). */
  chip: z.string().min(1),
  line: z.number().int().min(0),
  activeLow: z.boolean().optional(),
});

const ms5837 = z.strictObject({
  type: z.literal("ms5837"),
  model: z.enum(["30BA", "02BA", "auto"]).default("auto"),
  bus: busPath,
  address: i2cAddress.default(0x76),
  osr: z
    .union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096), z.literal(8192)])
    .default(4096),
  stuckLimit: z.number().int().min(0).optional(),
});

const bno055 = z.strictObject({
  type: z.literal("bno055"),
  bus: busPath,
  address: i2cAddress.default(0x28),
  externalCrystal: z.boolean().default(false),
  stuckLimit: z.number().int().min(0).optional(),
});

const ina260 = z.strictObject({
  type: z.literal("ina260"),
  bus: busPath,
  address: i2cAddress.default(0x40),
  averages: z.literal([1, 4, 16, 64, 128, 256, 512, 1024]).default(16),
  stuckLimit: z.number().int().min(0).optional(),
});

/** Blue Robotics Power Sense Module read through an ADS1115 ADC (hardware/drivers/power-sense.ts). */
const ads1115Psm = z.strictObject({
  type: z.literal("ads1115-psm"),
  bus: busPath,
  address: i2cAddress.default(0x48),
  /** ADS1115 inputs wired to the module's V and I outputs. */
  voltageChannel: z.number().int().min(0).max(3).default(0),
  currentChannel: z.number().int().min(0).max(3).default(1),
  range: z.literal([6.144, 4.096, 2.048, 1.024, 0.512, 0.256]).default(4.096),
  rate: z.literal([8, 16, 32, 64, 128, 250, 475, 860]).default(128),
  /** The module's scale, printed on its board; defaults are Blue Robotics' published figures. */
  voltsPerVolt: z.number().positive().max(1000).default(11.0),
  ampsPerVolt: z.number().positive().max(10_000).default(37.8788),
  ampsOffsetV: z.number().min(0).max(5).default(0.33),
  stuckLimit: z.number().int().min(0).optional(),
});

const pca9685 = z.strictObject({
  type: z.literal("pca9685"),
  bus: busPath,
  address: i2cAddress.default(0x40),
  frequencyHz: z.number().min(24).max(1526).default(50),
  oscillatorHz: z.number().min(20e6).max(30e6).default(25e6),
});

const pulse = {
  minUs: z.number().min(500).max(2500).default(1100),
  neutralUs: z.number().min(500).max(2500).default(1500),
  maxUs: z.number().min(500).max(2500).default(1900),
};

const thrusters = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("pca9685"), channels: z.array(pwmChannel).min(1).max(16), ...pulse }),
  z.strictObject({
    kind: z.literal("serial"),
    /** UART of the motor controller (e.g. /dev/ttyAMA0 on a Pi, /dev/ttyS1 on a BeagleBone). */
    port: z.string().regex(/^\/dev\/\S+$/, "a device path like /dev/ttyAMA0"),
    baudRate: z.number().int().positive().default(115200),
    /** MCU output channel of each motor, in motor order. */
    channels: z.array(z.number().int().min(0).max(31)).min(1).max(16),
    ...pulse,
  }),
]);

const lights = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("gpio"), ...gpioLine.shape }),
  z.strictObject({
    kind: z.literal("pwm"),
    channel: pwmChannel,
    mode: z.enum(["servo", "duty"]).default("servo"),
    offUs: z.number().min(0).max(2500).default(1100),
    fullUs: z.number().min(0).max(2500).default(1900),
  }),
]);

/** The camera's tilt servo on a PCA9685 channel (docs/video.md#camera-tilt). */
const cameraTilt = z.strictObject({
  kind: z.literal("pwm"),
  channel: pwmChannel,
  downUs: z.number().min(500).max(2500).default(1100),
  upUs: z.number().min(500).max(2500).default(1900),
  /** Degrees from level at full travel either way. */
  rangeDeg: z.number().min(1).max(90).default(45),
  /** The camera it carries (by name); unset: the first camera. */
  camera: z.string().min(1).max(32).optional(),
});

const leak = z.strictObject({
  ...gpioLine.shape,
  assertMs: z.number().min(0).max(10_000).default(50),
  clearMs: z.number().min(0).max(60_000).default(1000),
});

/**
 * A camera the board carries by default (docs/video.md): its kind and device; the size, rate
 * and bitrate are `[vehicle.video]`'s defaults. `vehicle.video.cameras` in the config replaces
 * the list (`cameras = []`: none).
 */
const camera = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "1–32 lower-case letters, digits or dashes"),
  kind: z.enum(["uvc", "rpicam"]),
  /** V4L2 device (uvc) or camera number (rpicam). */
  device: z.string().min(1).max(256),
});

export const boardProfileSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    description: z.string().default(""),
    fluid: z
      .union([z.enum(["fresh", "sea"]), z.strictObject({ densityKgM3: z.number().min(900).max(1100) })])
      .default("fresh"),
    devices: z
      .strictObject({
        depth: ms5837.optional(),
        imu: bno055.optional(),
        power: z.discriminatedUnion("type", [ina260, ads1115Psm]).optional(),
        pwm: pca9685.optional(),
      })
      .default({}),
    leak: z.array(leak).default([]),
    lights: lights.optional(),
    cameraTilt: cameraTilt.optional(),
    thrusters,
    cameras: z.array(camera).max(8).default([]),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, string>();
    for (const [role, dev] of Object.entries(p.devices)) {
      if (dev === undefined) continue;
      const key = `${dev.bus}@${dev.address}`;
      const other = seen.get(key);
      if (other !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["devices", role, "address"],
          message: `0x${dev.address.toString(16)} on ${dev.bus} is already used by ${other}`,
        });
      }
      seen.set(key, role);
    }
    const pwmUsers = new Map<number, string>();
    const usePwm = (ch: number, who: string, path: (string | number)[]) => {
      if (p.devices.pwm === undefined) {
        ctx.addIssue({ code: "custom", path, message: `${who} needs devices.pwm (a PCA9685)` });
        return;
      }
      const other = pwmUsers.get(ch);
      if (other !== undefined)
        ctx.addIssue({ code: "custom", path, message: `PWM channel ${ch} is already used by ${other}` });
      pwmUsers.set(ch, who);
    };
    if (p.thrusters.kind === "pca9685") {
      p.thrusters.channels.forEach((ch, i) => {
        usePwm(ch, `thruster ${i + 1}`, ["thrusters", "channels", i]);
      });
    } else if (new Set(p.thrusters.channels).size !== p.thrusters.channels.length) {
      ctx.addIssue({ code: "custom", path: ["thrusters", "channels"], message: "MCU channels must be distinct" });
    }
    const t = p.thrusters;
    if (!(t.minUs < t.neutralUs && t.neutralUs < t.maxUs)) {
      ctx.addIssue({
        code: "custom",
        path: ["thrusters"],
        message: "pulse widths must satisfy minUs < neutralUs < maxUs",
      });
    }
    if (p.lights?.kind === "pwm") usePwm(p.lights.channel, "lights", ["lights", "channel"]);
    if (p.cameraTilt !== undefined) {
      usePwm(p.cameraTilt.channel, "camera tilt", ["cameraTilt", "channel"]);
      if (p.cameraTilt.downUs === p.cameraTilt.upUs)
        ctx.addIssue({ code: "custom", path: ["cameraTilt", "upUs"], message: "downUs and upUs must differ" });
    }
    const lines = new Set<string>();
    const gpios = [
      ...p.leak.map((l, i) => ({ l, path: ["leak", i] })),
      ...(p.lights?.kind === "gpio" ? [{ l: p.lights, path: ["lights"] }] : []),
    ];
    for (const { l, path } of gpios) {
      const key = `${l.chip}:${l.line}`;
      if (lines.has(key)) ctx.addIssue({ code: "custom", path, message: `GPIO ${key} is used twice` });
      lines.add(key);
    }
  });

export type BoardProfileInput = z.input<typeof boardProfileSchema>;
export type BoardProfile = z.output<typeof boardProfileSchema>;

/** Validates a profile (from a file or the built-ins); bad input is BOARD_INVALID naming each bad key. */
export function parseBoardProfile(data: unknown): BoardProfile {
  const r = boardProfileSchema.safeParse(data);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join(".") || "(profile)"}: ${i.message}`);
  throw new TethysError("BOARD_INVALID", `invalid board profile: ${issues.join("; ")}`, { details: { issues } });
}

export function fluidDensity(p: BoardProfile): number {
  return typeof p.fluid === "object" ? p.fluid.densityKgM3 : p.fluid === "sea" ? 1029 : 997;
}
