import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { TethysError } from "../../src/kernel/errors.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { FleetSession } from "../../src/links/mqtt/fleet-session.ts";
import { startFleetFixture } from "../../src/topside/testing/fleet-fixture.ts";
import { mosquittoSkip, startMosquitto } from "../support/mosquitto.ts";
import { MqttWatch } from "../support/mqtt-watch.ts";

/**
 * Client certificates instead of passwords: mosquitto requires a certificate from its CA and
 * takes the CN as the username, so the per-vehicle ACL applies to the certificate's holder.
 */
test("a vehicle's session authenticates with a client certificate; the ACL follows its CN", {
  skip: mosquittoSkip,
  timeout: 60_000,
}, async () => {
  const broker = await startMosquitto({
    tls: true,
    clientCerts: true,
    acl: "user rov5\ntopic readwrite tethys/v1/cert/rov5/#\nuser shore\ntopic read tethys/v1/#\n",
  });
  try {
    const shore = await broker.issueClient("shore");
    const watch = await MqttWatch.open(broker.url, ["tethys/v1/#"], {
      ca: broker.caPem,
      cert: shore.certPem,
      key: shore.keyPem,
    });
    // Without a certificate the session is refused with a coded error; with one it publishes.
    const rov5 = await broker.issueClient("rov5");
    const bare = new FleetSession(
      {
        url: broker.url,
        clientId: "no-cert",
        ca: Buffer.from(broker.caPem ?? ""),
        protocol: "auto",
        keepaliveS: 10,
        connectTimeoutMs: 5000,
        backoff: { initialMs: 50, maxMs: 100 },
        maxBacklogBytes: 65536,
      },
      new RealClock(),
    );
    const refused = await new Promise<TethysError>((resolve) => {
      bare.once("down", resolve);
      bare.start();
    });
    await bare.stop();
    assert.match(refused.code, /^FLEET_(TLS|CONNECTION_LOST|CONNECT_FAILED)$/);
    writeFileSync(join(broker.dir, "rov5.pem"), rov5.certPem);
    writeFileSync(join(broker.dir, "rov5.key"), rov5.keyPem);
    assert.equal(watch.messages.filter((m) => m.topic.startsWith("tethys/v1/cert/rov5/")).length, 0);
    const withCert = await startFleetFixture(["rov5"], {
      broker: broker.url,
      site: "cert",
      ca: broker.caFile,
      cert: join(broker.dir, "rov5.pem"),
      key: join(broker.dir, "rov5.key"),
    });
    try {
      const s = await watch.next((m) => m.topic === "tethys/v1/cert/rov5/status" && m.text.includes("link-up"));
      assert.equal(watch.json(s).status, "online");
    } finally {
      await withCert.stop();
      await watch.close();
    }
  } finally {
    await broker.dispose();
  }
});
