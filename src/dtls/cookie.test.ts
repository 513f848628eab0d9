import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CookieJar } from "./cookie.ts";
import { type ParsedClientHello, parseClientHello } from "./wire/hello.ts";
import { ClientHello } from "./wire/messages.ts";
import { encodeStruct } from "./wire/struct.ts";

function hello(cookie: Uint8Array, randomByte = 1): ParsedClientHello {
  const body = encodeStruct(ClientHello, {
    clientVersion: 0xfefd,
    random: new Uint8Array(32).fill(randomByte),
    sessionId: new Uint8Array(0),
    cookie,
    cipherSuites: new Uint8Array([0xc0, 0xa8]),
    compressionMethods: new Uint8Array([0]),
    extensions: new Uint8Array(0),
  });
  return parseClientHello(body) as ParsedClientHello;
}

describe("CookieJar", () => {
  it("verifies its own cookie for the same address, port and hello only", () => {
    const jar = new CookieJar(0, 1000);
    const c = jar.make("10.0.0.1", 5000, hello(new Uint8Array(0)), 0);
    assert.equal(jar.verify("10.0.0.1", 5000, hello(c), 10), true);
    assert.equal(jar.verify("10.0.0.1", 5001, hello(c), 10), false);
    assert.equal(jar.verify("10.0.0.2", 5000, hello(c), 10), false);
    assert.equal(jar.verify("10.0.0.1", 5000, hello(c, 2), 10), false);
    assert.equal(jar.verify("10.0.0.1", 5000, hello(c.subarray(1)), 10), false);
  });

  it("accepts a cookie across one rotation, not two", () => {
    const jar = new CookieJar(0, 1000);
    const c = jar.make("10.0.0.1", 5000, hello(new Uint8Array(0)), 0);
    assert.equal(jar.verify("10.0.0.1", 5000, hello(c), 1500), true);
    assert.equal(jar.verify("10.0.0.1", 5000, hello(c), 2600), false);
  });
});
