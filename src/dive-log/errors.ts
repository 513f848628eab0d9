/** Stable codes of the dive log (docs/errors-divelog.md). */
export const DiveLogCodes = {
  /** The disk could not keep up: records were dropped (counted) rather than held without bound. */
  BEHIND: "DIVELOG_BEHIND",
  /** The log's file system is nearly full: the dive's recording stopped. */
  DISK_FULL: "DIVELOG_DISK_FULL",
  /** A write failed (no space, permissions, device error): the dive's recording stopped. */
  WRITE: "DIVELOG_WRITE",
  /** A file that cannot be read (missing, not MCAP). */
  READ: "DIVELOG_READ",
  /** A file without a summary index (a recording cut short): `tethys log repair` it. */
  NOT_INDEXED: "DIVELOG_NOT_INDEXED",
  /** A file with nothing recoverable (no MCAP header, or no channels). */
  UNRECOVERABLE: "DIVELOG_UNRECOVERABLE",
  /** A record whose JSON does not parse or whose fields fail the channel's checks. */
  BAD_RECORD: "DIVELOG_BAD_RECORD",
  /** A replay control request that is not valid JSON of a known action, or out of range. */
  REPLAY_BAD_CONTROL: "DIVELOG_REPLAY_BAD_CONTROL",
  /** A replay was sent a command: a recorded dive cannot be flown. */
  REPLAY_READ_ONLY: "DIVELOG_REPLAY_READ_ONLY",
} as const;
export type DiveLogCode = (typeof DiveLogCodes)[keyof typeof DiveLogCodes];
