import type { Access } from "../protocol/index.ts";
import { type HubCode, HubCodes } from "./errors.ts";
import { FailureLimiter, type FailureLimits } from "./rate-limit.ts";
import { parseSecretHash, type SecretHash, verifySecret } from "./secrets.ts";

export interface AuthConfig {
  /** Stored hashes (`scrypt$…`) of secrets granting pilot access. */
  pilotHashes: readonly string[];
  /** Stored hashes of secrets granting observer access. */
  observerHashes: readonly string[];
  /** An empty secret grants observer access (default false: everyone authenticates). */
  anonymousObservers: boolean;
}

export type AuthOutcome =
  | { ok: true; access: Exclude<Access, "none"> }
  | { ok: false; code: HubCode; retryAfterMs: number };

export const DEFAULT_FAILURE_LIMITS: FailureLimits = {
  maxFailures: 5,
  windowMs: 60_000,
  lockMs: 60_000,
  maxKeys: 4096,
};
/** Attempts being hashed at once, hub-wide; more are refused (HUB_AUTH_BUSY) without hashing. */
export const MAX_AUTH_IN_FLIGHT = 16;
const BUSY_RETRY_MS = 1000;

/**
 * Checks browser secrets against the configured hashes. Every configured hash is checked on every
 * attempt (no early exit), so the time taken does not say which list matched. Failed attempts
 * are limited per remote address: a locked address is refused without hashing at all, and at
 * most `maxInFlight` attempts are hashed at once (scrypt costs memory and a threadpool slot).
 */
export class Authenticator {
  private readonly pilot: SecretHash[];
  private readonly observer: SecretHash[];
  private readonly anonymousObservers: boolean;
  private readonly failures: FailureLimiter;
  private readonly maxInFlight: number;
  private inFlight = 0;

  constructor(config: AuthConfig, limits: FailureLimits = DEFAULT_FAILURE_LIMITS, maxInFlight = MAX_AUTH_IN_FLIGHT) {
    this.maxInFlight = maxInFlight;
    this.pilot = config.pilotHashes.map(parseSecretHash);
    this.observer = config.observerHashes.map(parseSecretHash);
    this.anonymousObservers = config.anonymousObservers;
    this.failures = new FailureLimiter(limits);
  }

  get pilotCapable(): boolean {
    return this.pilot.length > 0;
  }

  /** `remote` keys the failure limit (the browser's address); `now` is a Clock's ms. */
  async authenticate(secret: string, remote: string, now: () => number): Promise<AuthOutcome> {
    const wait = this.failures.retryAfter(remote, now());
    if (wait > 0) return { ok: false, code: HubCodes.AUTH_LOCKED, retryAfterMs: wait };
    if (secret === "") {
      if (this.anonymousObservers) return { ok: true, access: "observer" };
      return this.fail(remote, now());
    }
    if (this.inFlight >= this.maxInFlight) return { ok: false, code: HubCodes.AUTH_BUSY, retryAfterMs: BUSY_RETRY_MS };
    let asPilot = false;
    let asObserver = false;
    this.inFlight++;
    try {
      for (const h of this.pilot) if (await verifySecret(secret, h)) asPilot = true;
      for (const h of this.observer) if (await verifySecret(secret, h)) asObserver = true;
    } finally {
      this.inFlight--;
    }
    if (asPilot || asObserver) {
      this.failures.succeed(remote);
      return { ok: true, access: asPilot ? "pilot" : "observer" };
    }
    return this.fail(remote, now());
  }

  private fail(remote: string, now: number): AuthOutcome {
    const locked = this.failures.fail(remote, now);
    return locked > 0
      ? { ok: false, code: HubCodes.AUTH_LOCKED, retryAfterMs: locked }
      : { ok: false, code: HubCodes.AUTH_FAILED, retryAfterMs: 0 };
  }
}
