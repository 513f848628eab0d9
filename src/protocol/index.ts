/** Public surface of the message protocol: pure, browser-safe (no Node APIs). */
export { type ProtocolCode, ProtocolCodes, ProtocolError } from "./errors.ts";
export {
  type DecodedFrame,
  decodeFrame,
  encodeFrame,
  FrameEncoder,
  type FrameMeta,
  HEADER_SIZE,
  MAX_FRAME_SIZE,
  maxFrameSize,
  validateMessage,
} from "./frame.ts";
export { messageFromJson, messageToJson, parseMessageLine } from "./json.ts";
export {
  ACCESS,
  type Access,
  isMessageType,
  MAX_LISTED_SESSIONS,
  MAX_LISTED_VEHICLES,
  MAX_THRUSTERS,
  MESSAGE_TYPES,
  type Message,
  type MessageOf,
  type MessageType,
  MODES,
  type Mode,
  PROTOCOL_VERSION,
  ROLE_REASONS,
  type RoleReason,
  SCHEMA,
  SESSION_ROLES,
  SEVERITIES,
  type SessionRole,
  type Severity,
  typeById,
  WATERS,
  type Water,
} from "./messages.ts";
