import type { SessionLimits } from "./browser-session.ts";

/** Every per-browser and per-hub bound on browser connections (docs/topside.md, Limits). */
export interface BrowserLimits extends SessionLimits {
  /** Largest WebSocket message accepted (ws `maxPayload`); larger closes the socket with 1009. */
  maxMessageBytes: number;
  maxBrowsers: number;
  /**
   * Slots of `maxBrowsers` only pilot secrets may take: observers (anonymous or not) are refused
   * once `maxBrowsers - pilotReserve` of them are signed in, so they can never lock the pilot out.
   */
  pilotReserve: number;
  /** Anonymous observers (empty secret) signed in from one address; more are refused. */
  maxAnonymousPerAddress: number;
  /** Connections from one address that have not authenticated yet; more are refused (HTTP 429). */
  maxPendingPerAddress: number;
  /** A connection that has not authenticated by then is closed. */
  authTimeoutMs: number;
  /** Keepalive ping period; a browser missing a pong for a whole period is dropped. */
  pingIntervalMs: number;
}

export const DEFAULT_LIMITS: BrowserLimits = {
  maxMessageBytes: 2048,
  messagesPerSecond: 100,
  messageBurst: 50,
  sendBufferBytes: 262_144,
  eventQueue: 64,
  maxBrowsers: 500,
  pilotReserve: 8,
  maxAnonymousPerAddress: 16,
  maxPendingPerAddress: 16,
  authTimeoutMs: 10_000,
  pingIntervalMs: 15_000,
};
