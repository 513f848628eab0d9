import assert from "node:assert/strict";
import { once } from "node:events";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { runTether } from "./run-tether.ts";
import { startUdpEcho, udpClient } from "./testing/echo-servers.ts";
import { attachTetherControl, parseTetherCommand } from "./tether-control.ts";
import type { UdpTetherProxy } from "./udp-proxy.ts";

test("commands parse into typed actions", () => {
  assert.deepEqual(parseTetherCommand("cut"), { kind: "cut", mode: "close" });
  assert.deepEqual(parseTetherCommand("  cut blackhole "), { kind: "cut", mode: "blackhole" });
  assert.deepEqual(parseTetherCommand("restore"), { kind: "restore" });
  assert.deepEqual(parseTetherCommand("set up loss=20% delay=50ms"), {
    kind: "set",
    direction: "up",
    params: { loss: 0.2, delayMs: 50 },
  });
  assert.deepEqual(parseTetherCommand("set rate=1mbit"), {
    kind: "set",
    direction: "both",
    params: { rateBps: 1_000_000 },
  });
});

test("bad commands are refused with stable codes", () => {
  const badCommand = [
    "",
    "fly",
    "cut sideways",
    "restore now",
    "set",
    "set up",
    "set loss",
    "set loss=",
    "set lossUp=0.1",
    "set colour=red",
  ];
  for (const line of badCommand)
    assert.throws(
      () => parseTetherCommand(line),
      (e) => isTethysError(e, "TETHER_BAD_COMMAND"),
      line,
    );
  assert.throws(
    () => parseTetherCommand("set loss=2"),
    (e) => isTethysError(e, "TETHER_BAD_OPTION"),
  );
});

test("property: any text parses or is refused with a TethysError", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (s) => {
      try {
        parseTetherCommand(s);
      } catch (e) {
        assert.ok(isTethysError(e, "TETHER_BAD_COMMAND") || isTethysError(e, "TETHER_BAD_OPTION"));
      }
    }),
  );
});

test("a control stream drives a running tether and survives bad lines", { timeout: 10_000 }, async () => {
  const echo = await startUdpEcho();
  const t = await runTether({ target: `127.0.0.1:${echo.port}` }, { log: () => {} });
  const client = await udpClient();
  const input = new PassThrough();
  const replies: string[] = [];
  let onReply: () => void = () => {};
  const detach = attachTetherControl(t, input, (line) => {
    replies.push(line);
    onReply();
  });
  const ask = async (line: string): Promise<string> => {
    const n = replies.length;
    const got = new Promise<void>((resolve) => {
      onReply = () => {
        if (replies.length > n) resolve();
      };
    });
    input.write(`${line}\n`);
    await got;
    return replies.at(-1) ?? "";
  };
  try {
    assert.match(await ask("bogus"), /^error TETHER_BAD_COMMAND: /);
    assert.equal(await ask("set up loss=1"), 'set up {"loss":1}');
    const proxy = t.proxy as UdpTetherProxy;
    const entered = once(proxy, "packet");
    client.socket.send("lost", t.address.port, "127.0.0.1");
    await entered;
    assert.equal(await ask("set up loss=0"), 'set up {"loss":0}');
    const stats = JSON.parse(await ask("stats"));
    assert.equal(stats.up.lost, 1);
    assert.equal(await ask("cut"), "cut");
    assert.equal(await ask("restore"), "restored");
    client.socket.send("kept", t.address.port, "127.0.0.1");
    await client.waitFor(1);
    assert.equal(client.got[0]?.toString(), "kept");
    assert.match(await ask("help"), /cut \[close\|blackhole\]/);
  } finally {
    detach();
    input.end();
    await once(input, "finish");
    await client.close();
    await t.close();
    await echo.close();
  }
});
