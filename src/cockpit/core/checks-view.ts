import type { MessageOf } from "../../protocol/index.ts";

/**
 * What the Checks dialog shows of `vehicle-status`, pure: the depth zero and raw pressure, and the
 * IMU's calibration with what to do for each part not yet calibrated (the BNO055 calibrates
 * itself as it moves; its CALIB_STAT gives 0–3 per part).
 */
type Status = MessageOf<"vehicle-status">;

export function depthZeroLine(s: Status | undefined, depth: number | null | undefined): string {
  if (s === undefined) return "No status from the vehicle yet.";
  const raw = s.pressure === null ? "unknown" : `${s.pressure.toFixed(1)} mbar`;
  const d = depth === null || depth === undefined ? "—" : `${depth.toFixed(2)} m`;
  return `Pressure ${raw} · surface ${s.surfacePressure.toFixed(1)} mbar · ${s.water} water · depth ${d}`;
}

const HOW: Record<"gyro" | "accel" | "mag", string> = {
  gyro: "keep the vehicle still for a few seconds",
  accel: "set it down still in several positions (level, on each side, nose up and down)",
  mag: "turn it slowly through a figure of eight, away from steel",
};

export interface ImuCalibrationView {
  /** One line per part: name, level (0–3, or null when unknown) and what to do. */
  parts: { name: "sys" | "gyro" | "accel" | "mag"; level: number | null; todo: string }[];
  /** Everything at 3. */
  complete: boolean;
}

export function imuCalibrationView(s: Status | undefined): ImuCalibrationView {
  const c = s?.imuCalibration;
  const level = (v: number | undefined) => (v === undefined || v > 3 ? null : v);
  const parts = (["sys", "gyro", "accel", "mag"] as const).map((name) => {
    const l = level(c?.[name]);
    const todo =
      l === null
        ? "unknown (no IMU status)"
        : l === 3
          ? "calibrated"
          : name === "sys"
            ? "follows the others"
            : HOW[name];
    return { name, level: l, todo };
  });
  return { parts, complete: parts.every((p) => p.level === 3) };
}
