import type { Config } from "../config/schema.ts";
import type { AuthConfig } from "./authenticator.ts";
import type { HttpGuardOptions } from "./http-guard.ts";
import type { BrowserLimits } from "./limits.ts";
import type { FailureLimits } from "./rate-limit.ts";

export interface HubConfigOptions {
  host: string;
  port: number;
  staticDir?: string;
  auth: AuthConfig;
  authFailureLimits: FailureLimits;
  limits: Partial<BrowserLimits>;
  http: Partial<HttpGuardOptions>;
}

/** The hub options `[topside]` config gives (the caller adds clock, logger, registry, vehicles). */
export function hubOptionsFromConfig(topside: NonNullable<Config["topside"]>): HubConfigOptions {
  const l = topside.limits;
  return {
    host: topside.host,
    port: topside.http_port,
    ...(topside.static_dir === "" ? {} : { staticDir: topside.static_dir }),
    auth: {
      pilotHashes: topside.auth.pilot_hashes,
      observerHashes: topside.auth.observer_hashes,
      anonymousObservers: topside.auth.anonymous_observers,
      ...(topside.auth.login_link_hash === undefined ? {} : { loginLinkHash: topside.auth.login_link_hash }),
    },
    authFailureLimits: {
      maxFailures: topside.auth.max_failures,
      windowMs: topside.auth.failure_window_ms,
      lockMs: topside.auth.lock_ms,
      maxKeys: 4096,
    },
    limits: {
      maxMessageBytes: l.max_message_bytes,
      messagesPerSecond: l.messages_per_second,
      messageBurst: Math.max(1, Math.ceil(l.messages_per_second / 2)),
      sendBufferBytes: l.send_buffer_bytes,
      maxBrowsers: l.max_browsers,
      pilotReserve: l.pilot_reserve,
    },
    http: {
      maxRequestsPerSocket: l.max_requests_per_socket,
      metricsAccess: topside.metrics_access,
      ...(topside.metrics_token === undefined ? {} : { metricsToken: topside.metrics_token }),
    },
  };
}
