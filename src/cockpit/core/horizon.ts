/**
 * Where the HUD draws the horizon over a camera's picture: the vehicle's pitch and roll, and the
 * camera's tilt on the vehicle (down negative), for a pinhole camera of horizontal field of view
 * `hfovDeg`. The horizon lies `pitch + tilt` below the picture's centre line (nose up moves it
 * down) and turns with the roll. Undefined when it is out of the picture — a camera looking at the
 * seabed has no horizon to show.
 */
export interface HorizonLine {
  /** Centre of the line, pixels from the top left. */
  cx: number;
  cy: number;
  /** Its angle, radians, clockwise on screen (a roll to the right turns it anticlockwise). */
  angle: number;
}

export function horizonLine(
  width: number,
  height: number,
  attitude: { pitch: number; roll: number },
  tiltDeg = 0,
  hfovDeg = 80,
): HorizonLine | undefined {
  const up = attitude.pitch + tiltDeg; // where the camera points above the horizon, degrees
  if (!Number.isFinite(up) || !Number.isFinite(attitude.roll) || Math.abs(up) >= 89) return undefined;
  const focal = width / 2 / Math.tan((hfovDeg * Math.PI) / 360);
  const cy = height / 2 + Math.tan((up * Math.PI) / 180) * focal;
  if (cy < 0 || cy > height) return undefined;
  return { cx: width / 2, cy, angle: (-attitude.roll * Math.PI) / 180 };
}
