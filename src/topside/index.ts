/** Public surface of the topside hub's browser side (wired by `tethys topside`). */
export { type AuthConfig, Authenticator } from "./authenticator.ts";
export type { BrowserTransport } from "./browser-transport.ts";
export { hubOptionsFromConfig } from "./config.ts";
export { type HubCode, HubCodes, HubError } from "./errors.ts";
export { createHub, Hub, type HubOptions, WS_PATH } from "./hub.ts";
export { HubProtocol, type HubProtocolOptions } from "./hub-protocol.ts";
export { type BrowserLimits, DEFAULT_LIMITS } from "./limits.ts";
export { hashSecret, parseSecretHash, verifySecret } from "./secrets.ts";
export {
  type CommandMessage,
  type CommandType,
  type VehicleChannel,
  type VehicleChannelEvents,
  VehicleDirectory,
  type VehicleFrame,
} from "./vehicle-channel.ts";
