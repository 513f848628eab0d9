import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
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
  /**
   * `sha256:<hex>` of a one-time sign-in code (`tethys sim`'s link): redeemed once, from a
   * loopback address, for a fresh pilot secret (`redeemLoginLink`).
   */
  loginLinkHash?: string;
}

/** The form of `loginLinkHash`. */
export const LOGIN_LINK_HASH = /^sha256:[0-9a-f]{64}$/;

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

/** What an Authenticator has done, for tests and metrics. */
export interface AuthStats {
  /** Attempts whose secret went to scrypt. */
  hashed: number;
  /** Attempts admitted by the known-secret check, without scrypt. */
  known: number;
}

/**
 * Checks browser secrets against the configured hashes. Every configured hash is checked on every
 * attempt (no early exit), so the time taken does not say which list matched. Failed attempts
 * are limited per remote address, attempts in flight included: a locked address is refused
 * without hashing, and no address gets more than `maxFailures` secrets hashed per window however
 * many it sends at once. At most `maxInFlight` attempts are hashed at once hub-wide (scrypt costs
 * memory and a threadpool slot).
 *
 * A lock must not let an attacker sharing the pilot's address shut the pilot out, so a secret
 * that has already been verified since the hub started is recognised without scrypt, by an
 * HMAC under a key drawn at start-up, and admitted even from a locked address: the pilot's
 * cockpit re-sends its secret on every reconnect. Only verified secrets are remembered (at most
 * one entry per configured hash), and only a holder of the secret can match one.
 */
export class Authenticator {
  readonly stats: AuthStats = { hashed: 0, known: 0 };
  private readonly pilot: SecretHash[];
  private readonly observer: SecretHash[];
  private readonly anonymousObservers: boolean;
  private readonly failures: FailureLimiter;
  private readonly maxInFlight: number;
  private readonly hmacKey = randomBytes(32);
  private readonly verified = new Map<string, Exclude<Access, "none">>();
  private inFlight = 0;
  /** The one-time code's SHA-256, until it is redeemed. */
  private loginLink: Buffer | undefined;

  constructor(config: AuthConfig, limits: FailureLimits = DEFAULT_FAILURE_LIMITS, maxInFlight = MAX_AUTH_IN_FLIGHT) {
    this.maxInFlight = maxInFlight;
    this.pilot = config.pilotHashes.map(parseSecretHash);
    this.observer = config.observerHashes.map(parseSecretHash);
    this.anonymousObservers = config.anonymousObservers;
    this.failures = new FailureLimiter(limits);
    const link = config.loginLinkHash;
    if (link !== undefined) {
      if (!LOGIN_LINK_HASH.test(link)) throw new RangeError("loginLinkHash must be sha256:<64 hex digits>");
      this.loginLink = Buffer.from(link.slice("sha256:".length), "hex");
    }
  }

  /**
   * The one-time sign-in link: the first time `code` matches the configured hash it is used up and
   * a fresh random secret with pilot access is returned (remembered like a verified secret, so the
   * cockpit re-sends it on reconnect); undefined for any other code, or once used. The caller
   * checks the request came from a loopback address.
   */
  redeemLoginLink(code: string): string | undefined {
    const want = this.loginLink;
    if (want === undefined) return undefined;
    const got = createHash("sha256").update(code).digest();
    if (!timingSafeEqual(got, want)) return undefined;
    this.loginLink = undefined;
    const secret = randomBytes(24).toString("base64url");
    this.verified.set(createHmac("sha256", this.hmacKey).update(secret).digest("base64"), "pilot");
    return secret;
  }

  /** Whether a one-time link is configured and not used yet. */
  get loginLinkOpen(): boolean {
    return this.loginLink !== undefined;
  }

  get pilotCapable(): boolean {
    return this.pilot.length > 0;
  }

  /** `remote` keys the failure limit (the browser's address); `now` is a Clock's ms. */
  async authenticate(secret: string, remote: string, now: () => number): Promise<AuthOutcome> {
    const tag = secret === "" ? "" : createHmac("sha256", this.hmacKey).update(secret).digest("base64");
    const known = this.verified.get(tag);
    if (known !== undefined) {
      this.stats.known++;
      return { ok: true, access: known };
    }
    if (secret === "") {
      const wait = this.failures.retryAfter(remote, now());
      if (wait > 0) return { ok: false, code: HubCodes.AUTH_LOCKED, retryAfterMs: wait };
      if (this.anonymousObservers) return { ok: true, access: "observer" };
      return this.refusal(this.failures.fail(remote, now()));
    }
    if (this.inFlight >= this.maxInFlight) return { ok: false, code: HubCodes.AUTH_BUSY, retryAfterMs: BUSY_RETRY_MS };
    const wait = this.failures.begin(remote, now());
    if (wait > 0) {
      const locked = this.failures.retryAfter(remote, now()) > 0;
      return { ok: false, code: locked ? HubCodes.AUTH_LOCKED : HubCodes.AUTH_BUSY, retryAfterMs: wait };
    }
    let asPilot = false;
    let asObserver = false;
    this.inFlight++;
    this.stats.hashed++;
    try {
      for (const h of this.pilot) if (await verifySecret(secret, h)) asPilot = true;
      for (const h of this.observer) if (await verifySecret(secret, h)) asObserver = true;
    } catch (err) {
      this.failures.settle(remote, false, now());
      throw err;
    } finally {
      this.inFlight--;
    }
    const ok = asPilot || asObserver;
    const lock = this.failures.settle(remote, ok, now());
    if (!ok) return this.refusal(lock);
    const access = asPilot ? "pilot" : "observer";
    this.verified.set(tag, access);
    return { ok: true, access };
  }

  private refusal(locked: number): AuthOutcome {
    return locked > 0
      ? { ok: false, code: HubCodes.AUTH_LOCKED, retryAfterMs: locked }
      : { ok: false, code: HubCodes.AUTH_FAILED, retryAfterMs: 0 };
  }
}
