import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../config/load.ts";
import { isTethysError } from "../kernel/errors.ts";
import { Authenticator } from "./authenticator.ts";
import { HubCodes } from "./errors.ts";
import { hashSecret, parseSecretHash, verifySecret } from "./secrets.ts";

const CHEAP = { N: 1024, r: 8, p: 1 };

test("a hashed secret verifies, a different one does not, and the stored form hides the secret", async () => {
  const stored = await hashSecret("correct horse", CHEAP);
  assert.match(stored, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.ok(!stored.includes("correct"));
  assert.notEqual(stored, await hashSecret("correct horse", CHEAP), "salted: two hashes of one secret differ");
  const parsed = parseSecretHash(stored);
  assert.equal(await verifySecret("correct horse", parsed), true);
  assert.equal(await verifySecret("correct horsf", parsed), false);
  assert.equal(await verifySecret("", parsed), false);
});

test("malformed stored hashes are refused with HUB_BAD_SECRET_HASH", () => {
  for (const bad of [
    "",
    "bcrypt$1$2$3$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==",
    "scrypt$1000$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==",
    "scrypt$1024$8$1$AA==$AAAAAAAAAAAAAAAAAAAAAA==",
    "scrypt$1024$8$1$AAAAAAAAAAA=",
  ]) {
    assert.throws(
      () => parseSecretHash(bad),
      (e) => isTethysError(e, HubCodes.BAD_SECRET_HASH),
      bad,
    );
  }
});

test("pilot and observer secrets grant their access; unknown secrets fail; no anonymous access by default", async () => {
  const auth = new Authenticator({
    pilotHashes: [await hashSecret("pilot-token", CHEAP)],
    observerHashes: [await hashSecret("watch", CHEAP)],
    anonymousObservers: false,
  });
  const now = () => 0;
  assert.deepEqual(await auth.authenticate("pilot-token", "a", now), { ok: true, access: "pilot" });
  assert.deepEqual(await auth.authenticate("watch", "a", now), { ok: true, access: "observer" });
  assert.deepEqual(await auth.authenticate("nope", "a", now), {
    ok: false,
    code: HubCodes.AUTH_FAILED,
    retryAfterMs: 0,
  });
  assert.deepEqual(await auth.authenticate("", "a", now), { ok: false, code: HubCodes.AUTH_FAILED, retryAfterMs: 0 });
});

test("anonymous observers when configured: empty secret observes, never pilots", async () => {
  const auth = new Authenticator({
    pilotHashes: [await hashSecret("p", CHEAP)],
    observerHashes: [],
    anonymousObservers: true,
  });
  assert.deepEqual(await auth.authenticate("", "a", () => 0), { ok: true, access: "observer" });
  assert.equal((await auth.authenticate("x", "a", () => 0)).ok, false);
});

test("repeated failures lock the address, even for the right secret, until the lock expires", async () => {
  const auth = new Authenticator(
    { pilotHashes: [await hashSecret("right", CHEAP)], observerHashes: [], anonymousObservers: false },
    { maxFailures: 3, windowMs: 10_000, lockMs: 30_000, maxKeys: 10 },
  );
  let t = 0;
  const now = () => t;
  assert.equal((await auth.authenticate("w1", "10.0.0.9", now)).ok, false);
  assert.equal((await auth.authenticate("w2", "10.0.0.9", now)).ok, false);
  assert.deepEqual(await auth.authenticate("w3", "10.0.0.9", now), {
    ok: false,
    code: HubCodes.AUTH_LOCKED,
    retryAfterMs: 30_000,
  });
  t = 1000;
  assert.deepEqual(await auth.authenticate("right", "10.0.0.9", now), {
    ok: false,
    code: HubCodes.AUTH_LOCKED,
    retryAfterMs: 29_000,
  });
  assert.equal((await auth.authenticate("right", "10.0.0.10", now)).ok, true, "another address is not locked");
  t = 31_000;
  assert.equal((await auth.authenticate("right", "10.0.0.9", now)).ok, true);
});

test("the config schema accepts generated hashes and rejects other strings", async () => {
  const h = await hashSecret("s", CHEAP);
  const { config } = parseConfig(`[topside.auth]\npilot_hashes = ["${h}"]\n`, "t.toml");
  assert.deepEqual(config.topside?.auth.pilot_hashes, [h]);
  assert.equal(config.topside?.auth.anonymous_observers, false);
  assert.throws(
    () => parseConfig('[topside.auth]\npilot_hashes = ["hunter2"]\n', "t.toml"),
    (e) => isTethysError(e, "CONFIG_INVALID"),
  );
});

test("attempts over the in-flight cap are refused without hashing", async () => {
  const auth = new Authenticator(
    { pilotHashes: [await hashSecret("p", CHEAP)], observerHashes: [], anonymousObservers: false },
    undefined,
    1,
  );
  const [first, second] = await Promise.all([
    auth.authenticate("p", "a", () => 0),
    auth.authenticate("p", "b", () => 0),
  ]);
  assert.deepEqual(first, { ok: true, access: "pilot" });
  assert.deepEqual(second, { ok: false, code: HubCodes.AUTH_BUSY, retryAfterMs: 1000 });
  assert.equal((await auth.authenticate("p", "b", () => 0)).ok, true, "free again once the first finished");
});

test("16 concurrent wrong guesses from one address get at most max_failures secrets hashed", async () => {
  const auth = new Authenticator(
    { pilotHashes: [await hashSecret("right", CHEAP)], observerHashes: [], anonymousObservers: false },
    { maxFailures: 5, windowMs: 60_000, lockMs: 60_000, maxKeys: 10 },
  );
  const outcomes = await Promise.all(
    Array.from({ length: 16 }, (_, i) => auth.authenticate(`guess-${i}`, "10.0.0.9", () => 0)),
  );
  assert.equal(auth.stats.hashed, 5);
  for (const o of outcomes) assert.equal(o.ok, false);
  const unhashed = outcomes.filter((o) => !o.ok && o.code !== HubCodes.AUTH_FAILED && o.code !== HubCodes.AUTH_LOCKED);
  assert.equal(unhashed.length, 11);
  for (const o of unhashed) assert.ok(!o.ok && o.code === HubCodes.AUTH_BUSY && o.retryAfterMs > 0);
  assert.equal((await auth.authenticate("guess-x", "10.0.0.9", () => 1)).ok, false);
  assert.equal(auth.stats.hashed, 5, "locked now: nothing more is hashed");
});

test("a lock on the pilot's address does not keep out a pilot whose secret was verified before", async () => {
  const auth = new Authenticator(
    { pilotHashes: [await hashSecret("right", CHEAP)], observerHashes: [], anonymousObservers: false },
    { maxFailures: 3, windowMs: 10_000, lockMs: 30_000, maxKeys: 10 },
  );
  const now = () => 0;
  assert.equal((await auth.authenticate("right", "10.0.0.9", now)).ok, true);
  for (const guess of ["w1", "w2", "w3"]) await auth.authenticate(guess, "10.0.0.9", now);
  const attacker = await auth.authenticate("w4", "10.0.0.9", now);
  assert.deepEqual(attacker, { ok: false, code: HubCodes.AUTH_LOCKED, retryAfterMs: 30_000 });
  assert.deepEqual(await auth.authenticate("right", "10.0.0.9", now), { ok: true, access: "pilot" });
  assert.deepEqual(auth.stats, { hashed: 4, known: 1 }, "recognised without scrypt");
});
