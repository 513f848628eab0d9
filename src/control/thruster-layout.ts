import { z } from "zod";
import { TethysError } from "../kernel/errors.ts";

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

/** An axis vector's own class (see `axisVector`); extended by objects that carry more. */
export class AxisValues implements AxisVector {
  surge = 0;
  sway = 0;
  heave = 0;
  roll = 0;
  pitch = 0;
  yaw = 0;
}

/**
 * A new axis vector at zero, for the control cycle to write in place. An object of a class of its
 * own: V8 shares hidden classes between plain objects with the same keys in the same order, and
 * other such objects (field descriptors, config schemas) hold things that are not numbers, after
 * which every fractional number written into any of them is a new heap number (16 B).
 */
export function axisVector(): AxisVector {
  return new AxisValues();
}

/** Copies the six axes from `from` into `to`, field by field (Object.assign would box every number). */
export function copyAxes(to: AxisVector, from: Readonly<AxisVector>): void {
  to.surge = from.surge;
  to.sway = from.sway;
  to.heave = from.heave;
  to.roll = from.roll;
  to.pitch = from.pitch;
  to.yaw = from.yaw;
}

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
      if (seen.has(t.channel))
        ctx.addIssue({ code: "custom", path: ["thrusters", i, "channel"], message: `channel ${t.channel} used twice` });
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

/**
 * The 8-thruster "heavy" frame (BlueROV2 Heavy): ArduSub's SUB_FRAME_VECTORED_6DOF. M1–M4 are the
 * vectored horizontals of VECTORED_6; M5–M8 are verticals at the corners, giving pitch authority
 * too. ArduSub rows (roll, pitch, yaw, throttle, forward, lateral): M5 (+1,−1,0,−1,0,0),
 * M6 (−1,−1,0,−1,0,0), M7 (+1,+1,0,−1,0,0), M8 (−1,+1,0,−1,0,0); heave = −throttle as above.
 */
export const VECTORED_6DOF_8: Frame = parseFrame({
  name: "vectored-6dof-8",
  thrusters: [
    ...VECTORED_6.thrusters.slice(0, 4),
    { name: "M5", channel: 4, factors: { roll: 1, pitch: -1, heave: 1 } },
    { name: "M6", channel: 5, factors: { roll: -1, pitch: -1, heave: 1 } },
    { name: "M7", channel: 6, factors: { roll: 1, pitch: 1, heave: 1 } },
    { name: "M8", channel: 7, factors: { roll: -1, pitch: 1, heave: 1 } },
  ],
});

export const FRAMES: Readonly<Record<string, Frame>> = { "vectored-6": VECTORED_6, "vectored-6dof-8": VECTORED_6DOF_8 };

/**
 * A named frame with the wiring of one vehicle applied: `channels[i]` is the output thruster i
 * is wired to (default: the frame's), `reversed` names the thrusters whose propeller or ESC runs
 * the other way. Validated like any frame (FRAME_INVALID: a channel used twice, …); an unknown
 * frame or thruster name is FRAME_UNKNOWN.
 */
export function buildFrame(
  name: string,
  wiring: { channels?: readonly number[]; reversed?: readonly string[] } = {},
): Frame {
  const base = FRAMES[name];
  if (!base)
    throw new TethysError("FRAME_UNKNOWN", `unknown frame "${name}"; known: ${Object.keys(FRAMES).join(", ")}`);
  const { channels, reversed = [] } = wiring;
  if (channels !== undefined && channels.length !== base.thrusters.length) {
    throw new TethysError(
      "FRAME_INVALID",
      `frame ${name} has ${base.thrusters.length} thrusters, got ${channels.length} channels`,
    );
  }
  const names = new Set(base.thrusters.map((t) => t.name));
  for (const r of reversed) {
    if (!names.has(r))
      throw new TethysError(
        "FRAME_UNKNOWN",
        `frame ${name} has no thruster "${r}" to reverse; it has ${[...names].join(", ")}`,
      );
  }
  return parseFrame({
    name: base.name,
    thrusters: base.thrusters.map((t, i) => ({
      ...t,
      channel: channels?.[i] ?? t.channel,
      reversed: reversed.includes(t.name),
    })),
  });
}

export function parseFrame(value: unknown): Frame {
  const r = FrameSchema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new TethysError("FRAME_INVALID", `invalid thruster frame: ${first?.path.join(".")}: ${first?.message}`, {
      details: { issues: r.error.issues },
    });
  }
  return r.data;
}
