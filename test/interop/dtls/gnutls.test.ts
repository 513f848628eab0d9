/**
 * GnuTLS as the peer: `gnutls-cli --udp` against the Tethys DTLS server, and `gnutls-serv --udp
 * --echo` against the engine's client role, for the three suites.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { requireTool } from "../../support/tools.ts";
import { clientInteropCases, type ServerPeer } from "./testing/client-interop.ts";
import { CCM_8, gnutlsPriority, IDENTITY, PSK_HEX, SUITE_NAMES, WRONG_PSK_HEX } from "./testing/fixtures.ts";
import {
  type ClientParams,
  type ClientPeer,
  dataBothWaysCases,
  nextEvent,
  serverInteropCases,
  startServer,
  toolClient,
} from "./testing/server-interop.ts";
import { freeUdpPort, literal, Tool } from "./testing/tool.ts";

function gnutlsCli(p: ClientParams, ...extra: string[]): Tool {
  const args = ["--udp", "-p", String(p.port), "127.0.0.1", "--pskusername", p.identity, "--pskkey", p.pskHex];
  return new Tool("gnutls-cli", [...args, "--priority", gnutlsPriority(p.suite.gnutls), ...extra]);
}

const gnutlsCliPeer: ClientPeer = {
  suiteName: (s) => s.gnutls,
  start: (p) => toolClient(gnutlsCli(p), [/Handshake was completed/, /extended master secret, safe renegotiation/]),
};

/** gnutls-serv cannot bind port 0: pick a free port, retry if another process takes it. */
async function startGnutlsServ(cipher: string, pskFile: string): Promise<{ tool: Tool; port: number }> {
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

function gnutlsServPeer(pskFile: string): ServerPeer {
  return {
    suiteName: (s) => s.gnutls,
    async start(suite) {
      const { tool, port } = await startGnutlsServ(suite.gnutls, pskFile);
      return {
        port,
        received: async (text) => {
          await tool.waitFor(literal(`command: ${text.trimEnd()}`));
        },
        sendLine: undefined,
        kill: () => tool.kill(),
      };
    },
  };
}

describe("interop: GnuTLS", () => {
  describe("Tethys DTLS server <- gnutls-cli", { skip: requireTool("gnutls-cli", "gnutls-bin") }, () => {
    serverInteropCases(gnutlsCliPeer, [
      ...dataBothWaysCases(SUITE_NAMES),
      { kind: "wrongPsk", suite: CCM_8, pskHex: WRONG_PSK_HEX, peerReports: /Received alert \[20\]/ },
      { kind: "unknownIdentity", suite: CCM_8, peerReports: /Received alert \[115\]/ },
    ]);

    it("record_size_limit (RFC 8449): gnutls-cli --recordsize=512 caps what the server sends", async () => {
      const { server, port } = await startServer();
      const established = nextEvent(server, "established");
      const tool = gnutlsCli({ port, identity: IDENTITY, pskHex: PSK_HEX, suite: CCM_8 }, "--recordsize=512");
      try {
        const est = await established;
        assert.equal(server.maxPayload(est.session), 512);
        await tool.waitFor(/Handshake was completed/);
        // The server sends application data once the client has sent its first record (docs/dtls.md).
        const data = nextEvent(server, "data");
        tool.write("hello\n");
        await data;
        server.send(est.session, new TextEncoder().encode(`${"x".repeat(500)}-fits\n`));
        await tool.waitFor(/x-fits/);
      } finally {
        await tool.kill();
        await server.close();
      }
    });
  });

  describe("engine client role -> gnutls-serv", { skip: requireTool("gnutls-serv", "gnutls-bin") }, () => {
    const dir = mkdtempSync(join(tmpdir(), "tethys-dtls-"));
    const pskFile = join(dir, "psk.txt");
    writeFileSync(pskFile, `${IDENTITY}:${PSK_HEX}\n`);
    after(() => rmSync(dir, { recursive: true, force: true }));

    clientInteropCases(gnutlsServPeer(pskFile), [
      ...SUITE_NAMES.map((suite) => ({ kind: "dataBothWays" as const, suite })),
      { kind: "wrongPskSilentPeer", suite: CCM_8, code: "DTLS_HANDSHAKE_TIMEOUT", retransmissions: 2 },
    ]);
  });
});
