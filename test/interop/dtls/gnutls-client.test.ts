import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  exchangeBothWays,
  gnutlsPriority,
  IDENTITY,
  nextEvent,
  PSK_HEX,
  SUITE_NAMES,
  skipUnlessInstalled,
  startServer,
  Tool,
  WRONG_PSK_HEX,
} from "./helpers.ts";

const skip = skipUnlessInstalled("gnutls-cli");

function gnutlsCli(port: number, psk: string, identity: string, cipher: string): Tool {
  return new Tool("gnutls-cli", [
    "--udp",
    "-p",
    String(port),
    "127.0.0.1",
    "--pskusername",
    identity,
    "--pskkey",
    psk,
    "--priority",
    gnutlsPriority(cipher),
  ]);
}

describe("interop: Tethys DTLS server <- gnutls-cli", { skip }, () => {
  for (const s of SUITE_NAMES) {
    it(`${s.iana}: handshake and application data both ways`, async () => {
      const { server, port } = await startServer();
      const established = nextEvent(server, "established");
      const tool = gnutlsCli(port, PSK_HEX, IDENTITY, s.gnutls);
      try {
        const est = await established;
        assert.equal(est.identity, IDENTITY);
        assert.equal(est.suite, s.iana);
        await tool.waitFor(/Handshake was completed/);
        await tool.waitFor(/extended master secret, safe renegotiation/);
        await exchangeBothWays(server, est.session, tool, s.gnutls);
      } finally {
        await tool.kill();
        await server.close();
      }
    });
  }

  it("wrong PSK: server reports DTLS_PSK_MISMATCH, gnutls-cli receives alert 20", async () => {
    const { server, port } = await startServer();
    const closedP = nextEvent(server, "closed");
    const tool = gnutlsCli(port, WRONG_PSK_HEX, IDENTITY, "AES-128-CCM-8");
    try {
      assert.equal((await closedP).code, "DTLS_PSK_MISMATCH");
      await tool.waitFor(/Received alert \[20\]/);
    } finally {
      await tool.kill();
      await server.close();
    }
  });

  it("unknown identity: server reports DTLS_UNKNOWN_PSK_IDENTITY, gnutls-cli receives alert 115", async () => {
    const { server, port } = await startServer();
    const closedP = nextEvent(server, "closed");
    const tool = gnutlsCli(port, PSK_HEX, "nobody", "AES-128-CCM-8");
    try {
      assert.equal((await closedP).code, "DTLS_UNKNOWN_PSK_IDENTITY");
      await tool.waitFor(/Received alert \[115\]/);
    } finally {
      await tool.kill();
      await server.close();
    }
  });

  it("record_size_limit (RFC 8449): gnutls-cli --recordsize=512 caps what the server sends", async () => {
    const { server, port } = await startServer();
    const established = nextEvent(server, "established");
    const tool = new Tool("gnutls-cli", [
      "--udp",
      "-p",
      String(port),
      "127.0.0.1",
      "--pskusername",
      IDENTITY,
      "--pskkey",
      PSK_HEX,
      "--priority",
      gnutlsPriority("AES-128-CCM-8"),
      "--recordsize=512",
    ]);
    try {
      const est = await established;
      assert.equal(server.maxPayload(est.session), 512);
      await tool.waitFor(/Handshake was completed/);
      server.send(est.session, new TextEncoder().encode(`${"x".repeat(500)}-fits\n`));
      await tool.waitFor(/x-fits/);
    } finally {
      await tool.kill();
      await server.close();
    }
  });
});
