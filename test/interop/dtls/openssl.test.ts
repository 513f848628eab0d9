/**
 * OpenSSL as the peer: `openssl s_client` against the Tethys DTLS server, and `openssl s_server`
 * against the engine's client role, for the three suites.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startOpensslPeer } from "../../../src/links/dtls-client/testing/openssl-peer.ts";
import { requireTool } from "../../support/tools.ts";
import { clientInteropCases, type ServerPeer } from "./testing/client-interop.ts";
import { CCM_8, IDENTITY, PSK_HEX, SUITE_NAMES, WRONG_PSK_HEX } from "./testing/fixtures.ts";
import {
  type ClientParams,
  type ClientPeer,
  dataBothWaysCases,
  nextEvent,
  serverInteropCases,
  startServer,
  toolClient,
} from "./testing/server-interop.ts";
import { literal, Tool } from "./testing/tool.ts";

const skip = requireTool("openssl", "openssl");

/** `-quiet` keeps s_client from reading "R" on stdin as a renegotiation request. */
function sClient(p: ClientParams, quiet = true): Tool {
  const args = ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${p.port}`, "-psk", p.pskHex];
  args.push("-psk_identity", p.identity, "-cipher", p.suite.openssl);
  return new Tool("openssl", quiet ? [...args, "-quiet"] : args);
}

const sClientPeer: ClientPeer = {
  suiteName: (s) => s.openssl,
  start: (p) => toolClient(sClient(p)),
};

const sServerPeer: ServerPeer = {
  suiteName: (s) => s.openssl,
  async start(suite, signal) {
    const peer = await startOpensslPeer({ identity: IDENTITY, keyHex: PSK_HEX, cipher: suite.openssl, signal });
    return {
      port: peer.port,
      received: async (text) => {
        await peer.waitFor(literal(text.trimEnd()));
      },
      sendLine: (line) => peer.sendLine(line),
      kill: () => peer.stop("SIGKILL"),
    };
  },
};

describe("interop: OpenSSL", { skip }, () => {
  describe("Tethys DTLS server <- openssl s_client", () => {
    serverInteropCases(sClientPeer, [
      ...dataBothWaysCases(SUITE_NAMES),
      {
        kind: "wrongPsk",
        suite: CCM_8,
        pskHex: WRONG_PSK_HEX,
        peerReports: /alert bad record mac/,
        peerExitsNonZero: true,
      },
      { kind: "unknownIdentity", suite: CCM_8, peerReports: /unknown psk identity/ },
    ]);

    it("renegotiation is refused: s_client reports no_renegotiation, the server logs the peer's alert", async () => {
      const { server, port } = await startServer();
      const established = nextEvent(server, "established");
      const closed = nextEvent(server, "closed");
      const tool = sClient({ port, identity: IDENTITY, pskHex: PSK_HEX, suite: CCM_8 }, false);
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

  describe("engine client role -> openssl s_server", () => {
    clientInteropCases(
      sServerPeer,
      SUITE_NAMES.map((suite) => ({ kind: "dataBothWays", suite, extendedMasterSecret: true })),
    );
  });
});
