import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Registry } from "prom-client";
import { requireTool } from "../../test/support/tools.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { createLogging } from "../observability/logger.ts";
import { createHub } from "./hub.ts";
import { hashSecret } from "./secrets.ts";
import { TestClient } from "./testing/ws-client.ts";
import { VehicleDirectory } from "./vehicle-channel.ts";

// Needs the openssl command to make a throw-away self-signed certificate.
test("with a key and certificate the hub serves HTTPS and WSS", {
  skip: requireTool("openssl", "openssl"),
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-hub-tls-"));
  const hub = await (async () => {
    await selfSigned(dir);
    return createHub({
      clock: new VirtualClock(),
      logger: createLogging({ level: "silent", components: {} }).child("hub"),
      registry: new Registry(),
      vehicles: new VehicleDirectory(),
      auth: {
        pilotHashes: [await hashSecret("p", { N: 1024, r: 8, p: 1 })],
        observerHashes: [],
        anonymousObservers: false,
      },
      port: 0,
      tls: { key: await readFile(join(dir, "key.pem")), cert: await readFile(join(dir, "cert.pem")) },
    });
  })();
  try {
    const ca = await readFile(join(dir, "cert.pem"));
    const port = hub.address.port;
    const health = await new Promise<string>((resolve, reject) => {
      get({ host: "127.0.0.1", port, path: "/health", ca }, (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve(body));
      }).on("error", reject);
    });
    assert.equal(JSON.parse(health).ok, true);
    const c = await TestClient.connect(`wss://127.0.0.1:${port}/ws`, { ca });
    assert.equal((await c.auth("p")).access, "pilot");
    c.ws.terminate();
    await assert.rejects(TestClient.connect(`ws://127.0.0.1:${port}/ws`), "plain WebSocket is not served");
  } finally {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/** A one-day self-signed certificate for 127.0.0.1 in `dir` (key.pem, cert.pem). */
async function selfSigned(dir: string): Promise<void> {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
}

test("/hub.json tells a plain-HTTP page the HTTPS listener's port (null without one)", {
  skip: requireTool("openssl", "openssl"),
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-hub-info-"));
  await selfSigned(dir);
  const options = async () => ({
    clock: new VirtualClock(),
    logger: createLogging({ level: "silent", components: {} }).child("hub"),
    registry: new Registry(),
    vehicles: new VehicleDirectory(),
    auth: { pilotHashes: [], observerHashes: [], anonymousObservers: false },
    port: 0,
  });
  const both = await createHub({
    ...(await options()),
    https: { key: await readFile(join(dir, "key.pem")), cert: await readFile(join(dir, "cert.pem")), port: 0 },
  });
  const plain = await createHub(await options());
  try {
    const info = async (port: number) => {
      const r = await fetch(`http://127.0.0.1:${port}/hub.json`);
      assert.equal(r.headers.get("cache-control"), "no-store");
      return r.json();
    };
    const httpsPort = both.httpsAddress?.port;
    assert.ok(typeof httpsPort === "number" && httpsPort > 0);
    assert.deepEqual(await info(both.address.port), { httpsPort });
    assert.deepEqual(await info(plain.address.port), { httpsPort: null });
  } finally {
    await both.close();
    await plain.close();
    await rm(dir, { recursive: true, force: true });
  }
});
