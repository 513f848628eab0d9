import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dtls } from "node-dtls-client";
import { IDENTITY, nextEvent, PSK, SUITE_NAMES, startServer } from "./helpers.ts";

type Suite = (typeof SUITE_NAMES)[number]["iana"];

function connect(port: number, identity: string, key: Uint8Array, suite: Suite): dtls.Socket {
  return dtls.createSocket({
    type: "udp4",
    address: "127.0.0.1",
    port,
    psk: { [identity]: Buffer.from(key) },
    ciphers: [suite],
    timeout: 5000,
  });
}

function once<T>(s: dtls.Socket, event: string): Promise<T> {
  return new Promise((resolve) => s.once(event, resolve as (v: unknown) => void));
}

function closeSocket(s: dtls.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

describe("interop: Tethys DTLS server <- node-dtls-client", () => {
  for (const s of SUITE_NAMES) {
    it(`${s.iana}: handshake and application data both ways`, async () => {
      const { server, port } = await startServer();
      const established = nextEvent(server, "established");
      const client = connect(port, IDENTITY, PSK, s.iana);
      try {
        await once(client, "connected");
        const est = await established;
        assert.equal(est.identity, IDENTITY);
        assert.equal(est.suite, s.iana);
        assert.equal(est.remote.address, "127.0.0.1");
        const up = nextEvent(server, "data");
        client.send(Buffer.from(`up-${s.iana}`));
        assert.equal(Buffer.from((await up).data).toString(), `up-${s.iana}`);
        const down = once<Buffer>(client, "message");
        server.send(est.session, new TextEncoder().encode(`down-${s.iana}`));
        assert.equal((await down).toString(), `down-${s.iana}`);
        const closed = nextEvent(server, "closed");
        await closeSocket(client);
        assert.equal((await closed).code, "DTLS_PEER_CLOSED");
      } finally {
        await closeSocket(client);
        await server.close();
      }
    });
  }

  it("wrong PSK: server reports DTLS_PSK_MISMATCH, the client gets an error", async () => {
    const { server, port } = await startServer();
    const closed = nextEvent(server, "closed");
    const client = connect(port, IDENTITY, new Uint8Array(16).fill(9), "TLS_PSK_WITH_AES_128_CCM_8");
    try {
      const err = once<Error>(client, "error");
      assert.equal((await closed).code, "DTLS_PSK_MISMATCH");
      assert.match((await err).message, /fatal alert: bad_record_mac/);
    } finally {
      await closeSocket(client);
      await server.close();
    }
  });

  it("unknown identity: server reports DTLS_UNKNOWN_PSK_IDENTITY, the client gets an error", async () => {
    const { server, port } = await startServer();
    const closed = nextEvent(server, "closed");
    const client = connect(port, "nobody", PSK, "TLS_PSK_WITH_AES_128_GCM_SHA256");
    try {
      const err = once<Error>(client, "error");
      assert.equal((await closed).code, "DTLS_UNKNOWN_PSK_IDENTITY");
      assert.match((await err).message, /fatal alert: unknown_psk_identity/);
    } finally {
      await closeSocket(client);
      await server.close();
    }
  });
});
