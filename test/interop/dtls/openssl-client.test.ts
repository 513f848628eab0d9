import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  exchangeBothWays,
  IDENTITY,
  nextEvent,
  PSK_HEX,
  SUITE_NAMES,
  skipUnlessInstalled,
  startServer,
  Tool,
  WRONG_PSK_HEX,
} from "./helpers.ts";

const skip = skipUnlessInstalled("openssl");

function sClient(port: number, psk: string, identity: string, cipher: string): Tool {
  return new Tool("openssl", [
    "s_client",
    "-dtls1_2",
    "-connect",
    `127.0.0.1:${port}`,
    "-psk",
    psk,
    "-psk_identity",
    identity,
    "-cipher",
    cipher,
    "-quiet",
  ]);
}

describe("interop: Tethys DTLS server <- openssl s_client", { skip }, () => {
  for (const s of SUITE_NAMES) {
    it(`${s.iana}: handshake and application data both ways`, async () => {
      const { server, port } = await startServer();
      const established = nextEvent(server, "established");
      const tool = sClient(port, PSK_HEX, IDENTITY, s.openssl);
      try {
        const est = await established;
        assert.equal(est.identity, IDENTITY);
        assert.equal(est.suite, s.iana);
        await exchangeBothWays(server, est.session, tool, s.openssl);
      } finally {
        await tool.kill();
        await server.close();
      }
    });
  }

  it("wrong PSK: server reports DTLS_PSK_MISMATCH, s_client fails with bad_record_mac", async () => {
    const { server, port } = await startServer();
    const closedP = nextEvent(server, "closed");
    const tool = sClient(port, WRONG_PSK_HEX, IDENTITY, "PSK-AES128-CCM8");
    try {
      const closed = await closedP;
      assert.equal(closed.code, "DTLS_PSK_MISMATCH");
      await tool.waitFor(/alert bad record mac/);
      assert.notEqual(await tool.exit(), 0);
    } finally {
      await tool.kill();
      await server.close();
    }
  });

  it("unknown identity: server reports DTLS_UNKNOWN_PSK_IDENTITY, s_client shows the alert", async () => {
    const { server, port } = await startServer();
    const closedP = nextEvent(server, "closed");
    const tool = sClient(port, PSK_HEX, "nobody", "PSK-AES128-CCM8");
    try {
      const closed = await closedP;
      assert.equal(closed.code, "DTLS_UNKNOWN_PSK_IDENTITY");
      await tool.waitFor(/unknown psk identity/);
    } finally {
      await tool.kill();
      await server.close();
    }
  });

  it("renegotiation is refused: s_client reports no_renegotiation, the server logs the peer's alert", async () => {
    const { server, port } = await startServer();
    const established = nextEvent(server, "established");
    const closed = nextEvent(server, "closed");
    // Without -quiet so that "R" on stdin asks s_client to renegotiate.
    const tool = new Tool("openssl", [
      "s_client",
      "-dtls1_2",
      "-connect",
      `127.0.0.1:${port}`,
      "-psk",
      PSK_HEX,
      "-psk_identity",
      IDENTITY,
      "-cipher",
      "PSK-AES128-CCM8",
    ]);
    try {
      await established;
      await tool.waitFor(/Secure Renegotiation IS supported/);
      tool.write("R\n");
      await tool.waitFor(/no renegotiation/);
      assert.equal((await closed).code, "DTLS_ALERT_RECEIVED");
      assert.equal(server.counters.dropped.unexpected, 1);
    } finally {
      await tool.kill();
      await server.close();
    }
  });
});
