import { z } from "zod";
import { TethysError } from "../errors.ts";

/**
 * Thruster frames as data. Axes follow the body frame used everywhere in Tethys (Fossen's
 * forward-right-down): surge +forward, sway +right, heave +down, roll +right side down,
 * pitch +nose up, yaw +clockwise seen from above. A thruster's factor on an axis is how much a
 * unit command on that axis asks of it (signs include how the thruster is mounted).
 *
 * `channel` is the output the thruster is wired to (PCA9685 channel or MCU output index);
 * `reversed` flips its command for a propeller or ESC wired the other way round.
 */
export const AXES = ["surge", "sway", "heave", "roll", "pitch", "yaw"] as const;
export type Axis = (typeof AXES)[number];
export type AxisVector = Record<Axis, number>;

const factor = z.number().min(-1).max(1);

export const ThrusterSchema = z.strictObject({
  name: z.string().min(1).max(16),
  channel: z.number().int().min(0).max(15),
  reversed: z.boolean().default(false),
  factors: z.strictObject({
    surge: factor.default(0),
    sway: factor.default(0),
    heave: factor.default(0),
    roll: factor.default(0),
    pitch: factor.default(0),
    yaw: factor.default(0),
  }),
});

export const FrameSchema = z
  .strictObject({
    name: z.string().min(1),
    thrusters: z.array(ThrusterSchema).min(1).max(12),
  })
  .superRefine((f, ctx) => {
    const seen = new Set<number>();
    f.thrusters.forEach((t, i) => {
      if (seen.has(t.channel)) ctx.addIssue({ code: "custom", path: ["thrusters", i, "channel"], message: `channel ${t.channel} used twice` });
      seen.add(t.channel);
    });
  });

export type Thruster = z.infer<typeof ThrusterSchema>;
export type Frame = z.infer<typeof FrameSchema>;

/**
 * BlueROV2 standard 6-thruster vectored frame: ArduSub's SUB_FRAME_VECTORED factors (roll,
 * pitch, yaw, throttle, forward, lateral), with heave = −throttle because ArduSub's throttle is
 * positive up and Tethys's heave is positive down. M1–M4 horizontal at 45°, M5–M6 vertical.
 */
export const VECTORED_6: Frame = parseFrame({
  name: "vectored-6",
  thrusters: [
    { name: "M1", channel: 0, factors: { yaw: 1, surge: -1, sway: 1 } },
    { name: "M2", channel: 1, factors: { yaw: -1, surge: -1, sway: -1 } },
    { name: "M3", channel: 2, factors: { yaw: -1, surge: 1, sway: 1 } },
    { name: "M4", channel: 3, factors: { yaw: 1, surge: 1, sway: -1 } },
    { name: "M5", channel: 4, factors: { roll: 1, heave: 1 } },
    { name: "M6", channel: 5, factors: { roll: -1, heave: 1 } },
  ],
});

export const FRAMES: Readonly<Record<string, Frame>> = { "vectored-6": VECTORED_6 };

export function parseFrame(value: unknown): Frame {
  const r = FrameSchema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new TethysError("FRAME_INVALID", `invalid thruster frame: ${first?.path.join(".")}: ${first?.message}`, { details: { issues: r.error.issues } });
  }
  return r.data;
}
