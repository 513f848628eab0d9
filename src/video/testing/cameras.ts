import type { CameraList } from "../wire.ts";

/**
 * A vehicle with one camera: the simulated forward camera, live at 360p30 and 1.5 Mb/s, its bitrate
 * adjustable. The camera list the video link and the hub's relay are tested with. Test-only.
 */
export const ONE_SIM_CAMERA: CameraList = {
  cameras: [
    {
      index: 0,
      name: "front",
      kind: "sim",
      state: "live",
      code: "",
      settings: { width: 640, height: 360, fps: 30, bitrate_kbps: 1500 },
      bitrate: true,
    },
  ],
};
