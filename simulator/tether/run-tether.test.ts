import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { runTether } from "./run-tether.ts";
import { startTcpEcho, startUdpEcho, udpClient } from "./testing/echo-servers.ts";

test("runTether starts a UDP tether from CLI strings and reports where it listens", { timeout: 10_000 }, async () => {
  const echo = await startUdpEcho();
  const lines: string[] = [];
  const t = await runTether(
    { target: `127.0.0.1:${echo.port}`, loss: "0", delay: "5ms", jitter: "1ms", rate: "10mbit", seed: "42" },
    { log: (l) => lines.push(l) },
  );
  const client = await udpClient();
  try {
    assert.equal(t.protocol, "udp");
    assert.ok(t.address.port > 0);
    assert.match(
      lines[0] ?? "",
      new RegExp(`tether udp listening on 127\\.0\\.0\\.1:${t.address.port} → 127\\.0\\.0\\.1:${echo.port}`),
    );
    client.socket.send("hello", t.address.port, "127.0.0.1");
    await client.waitFor(1);
    assert.equal(client.got[0]?.toString(), "hello");
    assert.equal(t.counters().up.forwarded, 1);
  } finally {
    await client.close();
    await t.close();
    await echo.close();
  }
});

test("runTether --protocol tcp carries a stream", { timeout: 10_000 }, async () => {
  const echo = await startTcpEcho();
  const t = await runTether({ target: `127.0.0.1:${echo.port}`, protocol: "tcp", delay: "2ms" }, { log: () => {} });
  try {
    const s = connect(t.address.port, "127.0.0.1");
    s.end("over tcp");
    const chunks: Buffer[] = [];
    s.on("data", (d) => chunks.push(d));
    await once(s, "end");
    assert.equal(Buffer.concat(chunks).toString(), "over tcp");
  } finally {
    await t.close();
    await echo.close();
  }
});

test("runTether refuses bad and unknown options before opening anything", async () => {
  const cases: [Record<string, string>, string, string][] = [
    [{ target: "127.0.0.1:9", loss: "2" }, "TETHER_BAD_OPTION", "loss"],
    [{ target: "127.0.0.1:9", lsos: "0.1" }, "TETHER_BAD_OPTION", "lsos"],
    [{ target: "127.0.0.1:9", protocol: "sctp" }, "TETHER_BAD_OPTION", "protocol"],
    [{ target: "127.0.0.1:9", seed: "x" }, "TETHER_BAD_OPTION", "seed"],
    [{ target: "nowhere" }, "TETHER_BAD_ADDRESS", "target"],
    [{ target: "127.0.0.1:9", listen: "127.0.0.1:70000" }, "TETHER_BAD_ADDRESS", "listen"],
    [{ target: "127.0.0.1:9", protocol: "tcp", loss: "0.1" }, "TETHER_BAD_OPTION", "loss"],
  ];
  for (const [opts, code, option] of cases) {
    await assert.rejects(
      runTether(opts as never, { log: () => {} }),
      (e) => isTethysError(e, code) && e.details?.option === option,
      JSON.stringify(opts),
    );
  }
});
