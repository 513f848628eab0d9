import assert from "node:assert/strict";
import { test } from "node:test";
import type { Logger } from "pino";
import { Registry } from "prom-client";
import { builtinProfile } from "../../hardware/boards/profiles.ts";
import { VehicleSchema } from "../config/schema.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { createLogging } from "../observability/logger.ts";
import { cameraStateLog, startVehicleVideo } from "./video.ts";

/**
 * Which cameras the vehicle starts: the board profile's when `[vehicle.video]` lists none (with
 * the default size, rate and bitrate), the config's list instead when it has one — `[]` for none —
 * and nothing without the hub's video port. Nothing is dialled or spawned: the clock is virtual
 * and the link (to port 0, which no connection reaches) and the cameras are stopped at once.
 */
const logger = createLogging({ level: "silent", components: {} }).child("video");
const link = {
  credentials: { ca: "", cert: "", key: "" },
  hubFingerprint: "00".repeat(32),
} as unknown as Parameters<typeof startVehicleVideo>[0]["link"];

function start(vehicle: unknown, board: string) {
  return startVehicleVideo({
    config: VehicleSchema.parse(vehicle),
    link,
    clock: new VirtualClock(),
    logger,
    registry: new Registry(),
    pose: () => ({ heading: 0, pitch: 0, roll: 0, depth: 0 }),
    boardCameras: builtinProfile(board).cameras,
  });
}

test("board profiles name their cameras: the Pi camera on a Pi, UVC on a BeagleBone; the config's list replaces them", async () => {
  const pi = start({ hub: { video_port: 0 } }, "rpi-pca9685");
  assert.ok(pi !== undefined);
  assert.deepEqual(
    pi.cameras.map((c) => [c.spec.name, c.spec.kind, c.spec.device, c.spec.settings.width, c.spec.settings.fps]),
    [["front", "rpicam", "0", 1280, 30]],
  );
  await pi.stop();

  const bbb = start({ hub: { video_port: 0 } }, "bbb-serial-mcu");
  assert.deepEqual(
    bbb?.cameras.map((c) => [c.spec.kind, c.spec.device]),
    [["uvc", "/dev/video0"]],
  );
  await bbb?.stop();

  const configured = start(
    {
      hub: { video_port: 0 },
      video: { cameras: [{ name: "aft", kind: "uvc", device: "/dev/video2", width: 640, height: 480 }] },
    },
    "rpi-pca9685",
  );
  assert.deepEqual(
    configured?.cameras.map((c) => [c.spec.name, c.spec.kind, c.spec.device, c.spec.settings.height]),
    [["aft", "uvc", "/dev/video2", 480]],
  );
  await configured?.stop();

  assert.equal(start({ hub: { video_port: 0 }, video: { cameras: [] } }, "rpi-pca9685"), undefined, "[] means none");
  assert.equal(start({}, "rpi-pca9685"), undefined, "no video port: no video");
});

test("a camera that stays missing is warned about once, then at most once a minute; going live ends the run", () => {
  const clock = new VirtualClock();
  const warned: string[] = [];
  const logger = {
    info: () => {},
    warn: (_o: unknown, msg: string) => void warned.push(msg),
  } as unknown as Pick<Logger, "info" | "warn">;
  const log = cameraStateLog(logger, clock, "front");
  // Retried every 10 s for five minutes: 31 failures.
  for (let i = 0; i <= 30; i++) {
    log("missing", "VIDEO_SOURCE_MISSING", "ffmpeg not found");
    clock.advance(10_000);
  }
  assert.ok(warned.length >= 2 && warned.length <= 7, `${warned.length} lines: ${warned.join(" | ")}`);
  assert.equal(warned[0], "camera front: ffmpeg not found");
  assert.match(warned[1] ?? "", /^camera front: ffmpeg not found \(repeated \d+ times in [\d.]+ s\)$/);
  const repeats = warned.slice(1).reduce((n, l) => n + Number(/repeated (\d+)/.exec(l)?.[1] ?? 0), 0);
  warned.length = 0;
  log("live", "", "live");
  // What was still pending is reported when the camera comes back: every failure accounted for.
  const pending = warned.reduce((n, l) => n + Number(/repeated (\d+)/.exec(l)?.[1] ?? 0), 0);
  assert.equal(1 + repeats + pending, 31);
  warned.length = 0;
  log("missing", "VIDEO_SOURCE_MISSING", "ffmpeg not found");
  assert.deepEqual(warned, ["camera front: ffmpeg not found"]);
});
