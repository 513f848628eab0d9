/** Stable error codes of the video path (docs/errors-video.md). */
export const VideoCodes = {
  /** An access unit larger than the limit: dropped, the parser resynchronises at the next one. */
  AU_TOO_LARGE: "VIDEO_AU_TOO_LARGE",
  /** Bytes that are not a valid FLV stream from the encoder: the source is restarted. */
  BAD_FLV: "VIDEO_BAD_FLV",
  /** A video-link or browser video message that does not decode: dropped and counted. */
  BAD_FRAME: "VIDEO_BAD_FRAME",
  /** A control message (camera settings, camera list) that fails validation: dropped. */
  BAD_CONTROL: "VIDEO_BAD_CONTROL",
  /** A camera program exited or could not start: restarted with backoff. */
  SOURCE_EXITED: "VIDEO_SOURCE_EXITED",
  /** A camera's device or program is missing: reported, retried with backoff, never a crash. */
  SOURCE_MISSING: "VIDEO_SOURCE_MISSING",
  /** A camera produced nothing for too long: restarted. */
  SOURCE_STALLED: "VIDEO_SOURCE_STALLED",
  /** Only the vehicle's pilot may change a camera's settings. */
  NOT_PILOT: "VIDEO_NOT_PILOT",
  /** A browser asked for a camera the vehicle does not have. */
  UNKNOWN_CAMERA: "VIDEO_UNKNOWN_CAMERA",
  /** The video link to the hub is down (reconnecting with backoff). */
  LINK_DOWN: "VIDEO_LINK_DOWN",
} as const;

export type VideoCode = (typeof VideoCodes)[keyof typeof VideoCodes];
