/**
 * The command link: TLS 1.3 over TCP between vehicle (client) and hub (server), mutually
 * authenticated with pinned certificates from `tethys keys`. See docs/command-link.md.
 */
export { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from "../../kernel/backoff.ts";
export { CommandChannel, type ReceivedMeta, type Role } from "./channel.ts";
export { type ClientState, CommandLinkClient, type CommandLinkClientOptions } from "./client.ts";
export { type CommandCode, CommandCodes } from "./codes.ts";
export { type CommandFrameReader, commandFrameReader, writeLengthPrefixed } from "./framing.ts";
export { clientOptionsFromConfig, serverOptionsFromConfig, tuningFromConfig } from "./from-config.ts";
export { CommandGate, type GateOptions, type GateVerdict } from "./gate.ts";
export { registerLinkMetrics } from "./metrics.ts";
export { DEFAULT_TUNING, type LinkTuning } from "./options.ts";
export { normalizeFingerprint, type PemCredentials } from "./peer.ts";
export { RateLimiter, type RateLimitOptions } from "./rate-limiter.ts";
export { isLatestValue, LATEST_VALUE_TYPES, SendQueue } from "./send-queue.ts";
export { CommandLinkServer, type CommandLinkServerOptions, VehicleConnection } from "./server.ts";
export { addStats, type LinkStats, newStats } from "./stats.ts";
