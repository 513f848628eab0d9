import { TethysError } from "../kernel/errors.ts";

/**
 * Stable codes of everything the hub refuses from a browser (docs/errors-topside.md). A refusal
 * reaches the browser as an `error` message (or an `auth-result` with ok false) carrying the
 * code, and is counted in `tethys_hub_browser_refused_total{code}`.
 */
export const HubCodes = {
  NOT_AUTHENTICATED: "HUB_NOT_AUTHENTICATED",
  ALREADY_AUTHENTICATED: "HUB_ALREADY_AUTHENTICATED",
  AUTH_FAILED: "HUB_AUTH_FAILED",
  AUTH_LOCKED: "HUB_AUTH_LOCKED",
  AUTH_TIMEOUT: "HUB_AUTH_TIMEOUT",
  AUTH_BUSY: "HUB_AUTH_BUSY",
  FORBIDDEN: "HUB_FORBIDDEN",
  NOT_ATTACHED: "HUB_NOT_ATTACHED",
  NOT_PILOT: "HUB_NOT_PILOT",
  PILOT_BUSY: "HUB_PILOT_BUSY",
  UNKNOWN_VEHICLE: "HUB_UNKNOWN_VEHICLE",
  VEHICLE_OFFLINE: "HUB_VEHICLE_OFFLINE",
  HANDOVER_TARGET: "HUB_HANDOVER_TARGET",
  RATE_LIMITED: "HUB_RATE_LIMITED",
  UNEXPECTED_MESSAGE: "HUB_UNEXPECTED_MESSAGE",
  TEXT_FRAME: "HUB_TEXT_FRAME",
  TOO_LARGE: "HUB_TOO_LARGE",
  TOO_MANY_BROWSERS: "HUB_TOO_MANY_BROWSERS",
  TOO_MANY_PENDING: "HUB_TOO_MANY_PENDING",
  OBSERVERS_FULL: "HUB_OBSERVERS_FULL",
  TOO_MANY_ANONYMOUS: "HUB_TOO_MANY_ANONYMOUS",
  COMMAND_FAILED: "HUB_COMMAND_FAILED",
  BAD_SECRET_HASH: "HUB_BAD_SECRET_HASH",
  STATIC_DIR: "HUB_STATIC_DIR",
  DUPLICATE_VEHICLE: "HUB_DUPLICATE_VEHICLE",
  BAD_VEHICLE_ID: "HUB_BAD_VEHICLE_ID",
} as const;

export type HubCode = (typeof HubCodes)[keyof typeof HubCodes];

export class HubError extends TethysError {
  constructor(code: HubCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details === undefined ? undefined : { details });
    this.name = "HubError";
  }
}
