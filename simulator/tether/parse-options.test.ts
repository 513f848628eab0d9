import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import {
  parseDuration,
  parseHostPort,
  parseImpairments,
  parseProbability,
  parseRate,
  parseSize,
} from "./parse-options.ts";

const badOption = (option: string) => (e: unknown) =>
  isTethysError(e, "TETHER_BAD_OPTION") && e.details?.option === option;

test("probabilities: decimals and percentages within [0, 1]", () => {
  assert.equal(parseProbability("loss", "0.2"), 0.2);
  assert.equal(parseProbability("loss", "20%"), 0.2);
  assert.equal(parseProbability("loss", 1), 1);
  for (const v of ["", "%", "1.5", "-0.1", "abc", "120%", "NaN"])
    assert.throws(() => parseProbability("loss", v), badOption("loss"), v);
});

test("durations: us, ms, s, m; bare numbers are ms", () => {
  assert.equal(parseDuration("delay", "50ms"), 50);
  assert.equal(parseDuration("delay", "1.5s"), 1500);
  assert.equal(parseDuration("delay", "250us"), 0.25);
  assert.equal(parseDuration("delay", "2m"), 120_000);
  assert.equal(parseDuration("delay", "40"), 40);
  for (const v of ["", "-5ms", "5h", "ms", "1e3"])
    assert.throws(() => parseDuration("delay", v), badOption("delay"), v);
});

test("rates follow tc: bit/kbit/mbit/gbit are bits, bps/kbps/mbps are bytes per second", () => {
  assert.equal(parseRate("rate", "1mbit"), 1_000_000);
  assert.equal(parseRate("rate", "500kbit"), 500_000);
  assert.equal(parseRate("rate", "2mbps"), 16_000_000);
  assert.equal(parseRate("rate", "9600"), 9600);
  assert.equal(parseRate("rate", "0"), 0);
  for (const v of ["fast", "1 furlong", "-1mbit", ""]) assert.throws(() => parseRate("rate", v), badOption("rate"), v);
});

test("sizes", () => {
  assert.equal(parseSize("burst", "16kb"), 16384);
  assert.equal(parseSize("burst", "1500"), 1500);
  for (const v of ["0", "x", "1tb"]) assert.throws(() => parseSize("burst", v), badOption("burst"), v);
});

test("host:port for IPv4, IPv6 and names; bad ones are TETHER_BAD_ADDRESS", () => {
  assert.deepEqual(parseHostPort("target", "127.0.0.1:5684", false), { host: "127.0.0.1", port: 5684 });
  assert.deepEqual(parseHostPort("listen", "[::1]:0", true), { host: "::1", port: 0 });
  assert.deepEqual(parseHostPort("target", "localhost:80", false), { host: "localhost", port: 80 });
  for (const v of ["127.0.0.1", ":80", "host:99999", "host:0", "a b:1", "::1:80"]) {
    assert.throws(
      () => parseHostPort("target", v, false),
      (e) => isTethysError(e, "TETHER_BAD_ADDRESS"),
      v,
    );
  }
});

test("impairments: plain keys apply both ways, Up/Down suffixes override one direction", () => {
  const { up, down } = parseImpairments({
    loss: "0.2",
    lossDown: "5%",
    delay: "50ms",
    rateUp: "1mbit",
    reorder: "0.1",
    duplicate: 0.01,
  });
  assert.deepEqual(up, { loss: 0.2, reorder: 0.1, delayMs: 50, rateBps: 1_000_000, duplicate: 0.01 });
  assert.deepEqual(down, { loss: 0.05, reorder: 0.1, delayMs: 50, duplicate: 0.01 });
  assert.throws(() => parseImpairments({ jitter: {} }), badOption("jitter"));
});

test("property: parsers never throw anything but a TethysError on arbitrary text", () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      for (const f of [parseProbability, parseDuration, parseRate, parseSize]) {
        try {
          const v = f("x", s);
          assert.ok(Number.isFinite(v) && v >= 0);
        } catch (e) {
          assert.ok(isTethysError(e, "TETHER_BAD_OPTION"));
        }
      }
      try {
        parseHostPort("x", s, true);
      } catch (e) {
        assert.ok(isTethysError(e, "TETHER_BAD_ADDRESS"));
      }
    }),
  );
});
