import assert from "node:assert/strict";
import { test } from "node:test";
import { TethysError } from "../../kernel/errors.ts";
import { classifySessionError } from "./classify-error.ts";

const peer = "127.0.0.1:5684";

test("a handshake timeout waiting for the server's Finished points at the PSK", () => {
  const e = classifySessionError(new Error("The DTLS handshake timed out"), "finished", peer);
  assert.equal(e.code, "LINK_HANDSHAKE_REJECTED");
  assert.match(e.message, /PSK/);
  assert.equal(e.details?.phase, "finished");
});

test("a handshake timeout before the server answered is a plain timeout", () => {
  assert.equal(
    classifySessionError(new Error("The DTLS handshake timed out"), "hello", peer).code,
    "LINK_HANDSHAKE_TIMEOUT",
  );
  assert.equal(
    classifySessionError(new Error("The DTLS handshake timed out"), "unknown", peer).code,
    "LINK_HANDSHAKE_TIMEOUT",
  );
});

test("fatal alerts are sorted into PSK, negotiation and other failures", () => {
  const alert = (name: string) => classifySessionError(new Error(`received fatal alert: ${name}`), "finished", peer);
  assert.equal(alert("decrypt_error").code, "LINK_PSK_REJECTED");
  assert.equal(alert("unknown_psk_identity").code, "LINK_PSK_REJECTED");
  assert.equal(alert("bad_record_mac").code, "LINK_PSK_REJECTED");
  assert.equal(alert("handshake_failure").code, "LINK_HANDSHAKE_FAILED");
  assert.equal(alert("internal_error").code, "LINK_FATAL_ALERT");
  assert.equal(alert("internal_error").details?.alert, "internal_error");
});

test("socket errors keep their errno; other texts fall back to LINK_SESSION_ERROR", () => {
  const sys = Object.assign(new Error("send ENETUNREACH"), { code: "ENETUNREACH" });
  const e = classifySessionError(sys, "up", peer);
  assert.equal(e.code, "LINK_SOCKET_ERROR");
  assert.equal(e.details?.errno, "ENETUNREACH");
  assert.equal(classifySessionError(new Error("The connection timed out"), "socket", peer).code, "LINK_SOCKET_ERROR");
  assert.equal(
    classifySessionError(new Error("DTLS handshake failed"), "finished", peer).code,
    "LINK_HANDSHAKE_FAILED",
  );
  assert.equal(classifySessionError("weird", "unknown", peer).code, "LINK_SESSION_ERROR");
});

test("a TethysError passes through unchanged", () => {
  const original = new TethysError("LINK_SESSION_CLOSED", "closed");
  assert.equal(classifySessionError(original, "up", peer), original);
});
