/**
 * The engine's client role against openssl s_server and gnutls-serv, for the three suites.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { SuiteName } from "../../../src/dtls/types.ts";
import { RealClock } from "../../../src/kernel/real-clock.ts";
import { EngineClient } from "./engine-client.ts";
import {
  freeUdpPort,
  gnutlsPriority,
  IDENTITY,
  PSK,
  PSK_HEX,
  SUITE_NAMES,
  skipUnlessInstalled,
  Tool,
} from "./helpers.ts";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

describe("interop: engine client role -> openssl s_server", {
  skip: skipUnlessInstalled("openssl"),
}, () => {
  for (const s of SUITE_NAMES) {
    it(`${s.iana}: handshake and application data both ways`, async () => {
      const server = new Tool("openssl", [
        "s_server",
        "-dtls1_2",
        "-nocert",
        "-psk",
        PSK_HEX,
        "-psk_identity",
        IDENTITY,
        "-cipher",
        s.openssl,
        "-accept",
        "127.0.0.1:0",
        "-naccept",
        "1",
      ]);
      const client = new EngineClient(new RealClock());
      try {
        const line = await server.waitFor(/ACCEPT 127\.0\.0\.1:\d+/);
        const port = Number(line.split(":")[1]);
        await client.connect(port, {
          identity: IDENTITY,
          psk: PSK,
          suites: [s.iana as SuiteName],
        });
        const est = await client.next("established");
        assert.equal(est.suite, s.iana);
        assert.equal(est.extendedMasterSecret, true);
        client.send(text(`up-${s.openssl}\n`));
        await server.waitFor(new RegExp(`up-${s.openssl}`));
        const down = client.next("data");
        server.write(`down-${s.openssl}\n`);
        assert.equal(str((await down).data), `down-${s.openssl}\n`);
      } finally {
        await client.close();
        await server.kill();
      }
    });
  }
});

describe("interop: engine client role -> gnutls-serv", {
  skip: skipUnlessInstalled("gnutls-serv"),
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "tethys-dtls-"));
  const pskFile = join(dir, "psk.txt");
  writeFileSync(pskFile, `${IDENTITY}:${PSK_HEX}\n`);
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** gnutls-serv cannot bind port 0: pick a free port, retry if another process takes it. */
  async function startGnutlsServ(cipher: string): Promise<{ tool: Tool; port: number }> {
    for (let attempt = 0; ; attempt++) {
      const port = await freeUdpPort();
      const tool = new Tool("gnutls-serv", [
        "--udp",
        "--echo",
        "-p",
        String(port),
        "--pskpasswd",
        pskFile,
        "--priority",
        gnutlsPriority(cipher),
      ]);
      try {
        await tool.waitFor(/listening on IPv4 [^\n]*done/);
        return { tool, port };
      } catch (e) {
        await tool.kill();
        if (attempt >= 3) throw e;
      }
    }
  }

  for (const s of SUITE_NAMES) {
    it(`${s.iana}: handshake and application data both ways (echo)`, async () => {
      const { tool, port } = await startGnutlsServ(s.gnutls);
      const client = new EngineClient(new RealClock());
      try {
        await client.connect(port, {
          identity: IDENTITY,
          psk: PSK,
          suites: [s.iana as SuiteName],
        });
        const est = await client.next("established");
        assert.equal(est.suite, s.iana);
        const echoed = client.next("data");
        client.send(text(`ping-${s.gnutls}`));
        assert.equal(str((await echoed).data), `ping-${s.gnutls}`);
        await tool.waitFor(new RegExp(`command: ping-${s.gnutls}`));
      } finally {
        await client.close();
        await tool.kill();
      }
    });
  }

  it("wrong PSK: the client gives up with DTLS_HANDSHAKE_TIMEOUT (gnutls drops the bad Finished silently)", async () => {
    const { tool, port } = await startGnutlsServ("AES-128-CCM-8");
    const client = new EngineClient(new RealClock());
    try {
      await client.connect(port, {
        identity: IDENTITY,
        psk: new Uint8Array(16).fill(3),
        suites: ["TLS_PSK_WITH_AES_128_CCM_8"],
        retransmitInitialMs: 100,
        retransmitAttempts: 2,
      });
      const closed = await client.next("closed");
      assert.equal(closed.code, "DTLS_HANDSHAKE_TIMEOUT");
      assert.equal(client.events.filter((e) => e.type === "established").length, 0);
      assert.ok(client.conn !== undefined && client.conn.stats.retransmissions === 2);
    } finally {
      await client.close();
      await tool.kill();
    }
  });
});
