/** Public surface of the topside hub's browser side (wired by `tethys topside`). */
export { type AuthConfig, Authenticator } from "./authenticator.ts";
export { hubOptionsFromConfig } from "./config.ts";
export { type HubCode, HubCodes, HubError } from "./errors.ts";
export { type BrowserLimits, createHub, DEFAULT_LIMITS, Hub, type HubOptions, WS_PATH } from "./hub.ts";
export { hashSecret, parseSecretHash, verifySecret } from "./secrets.ts";
export {
  type CommandMessage,
  type CommandType,
  type VehicleChannel,
  type VehicleChannelEvents,
  VehicleDirectory,
  type VehicleFrame,
} from "./vehicle-channel.ts";
