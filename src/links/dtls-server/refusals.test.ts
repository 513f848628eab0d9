import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { EngineClient } from "../../../test/interop/dtls/testing/engine-client.ts";
import type { TethysError } from "../../kernel/errors.ts";
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import { registerTelemetryMetrics } from "../telemetry/metrics.ts";
import { DtlsServer } from "./dtls-server.ts";
import { registerDtlsServerMetrics } from "./metrics.ts";

const KEY = new Uint8Array(16).fill(5);

describe("DtlsServer: refusals and metrics", () => {
  it("a hello refused at once (no shared suite) reaches the closed listener with its real code", async () => {
    const clock = new VirtualClock();
    const server = new DtlsServer(
      { psk: new Map([["rov1", KEY]]), suites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"] },
      clock,
    );
    const errors: TethysError[] = [];
    const closed: { code: string; identity: string }[] = [];
    server.on("error", (e) => errors.push(e));
    // As the hub's listeners do: read the session inside the event.
    const done = new Promise<void>((resolve) =>
      server.on("closed", ({ session, code }) => {
        closed.push({ code, identity: session.identity });
        resolve();
      }),
    );
    const { port } = await server.listen();
    const client = new EngineClient(clock);
    try {
      await client.connect(port, { identity: "rov1", psk: KEY, suites: ["TLS_PSK_WITH_AES_128_CCM"] });
      await done;
      assert.deepEqual(closed, [{ code: "DTLS_NO_SHARED_SUITE", identity: "" }]);
      assert.deepEqual(errors, []);
      assert.equal(server.counters.internalErrors, 0);

      const registry = new Registry();
      registerDtlsServerMetrics(registry, () => server);
      const text = await registry.metrics();
      assert.match(text, /tethys_dtls_closed_total\{code="DTLS_NO_SHARED_SUITE"\} 1/);
      assert.match(text, /tethys_dtls_handshakes_total\{result="failed"\} 1/);
      assert.match(text, /tethys_dtls_hello_verify_total 1/);
      assert.match(text, /tethys_dtls_sessions\{state="established"\} 0/);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("the telemetry receiver's counters are exported", async () => {
    const registry = new Registry();
    const counters = { received: 7, delivered: 5, stale: 1, malformed: { PROTO_BAD_CRC: 1 } };
    registerTelemetryMetrics(registry, () => counters);
    const text = await registry.metrics();
    assert.match(text, /tethys_telemetry_records_total\{result="received"\} 7/);
    assert.match(text, /tethys_telemetry_records_total\{result="stale"\} 1/);
    assert.match(text, /tethys_telemetry_malformed_total\{code="PROTO_BAD_CRC"\} 1/);
  });
});
