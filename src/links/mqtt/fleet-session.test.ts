import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, test } from "node:test";
import type { TethysError } from "../../kernel/errors.ts";
import { RealClock } from "../../kernel/real-clock.ts";
import { FleetSession, type FleetSessionOptions } from "./fleet-session.ts";
import { classifyMqttError } from "./mqtt-errors.ts";

/**
 * FleetSession against a scripted broker on loopback: the MQTT 5 → 3.1.1 fallback and garbage
 * from the wire. (The real broker is exercised in test/integration/fleet-*.test.ts.)
 */
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** The protocol level byte of a CONNECT packet (after the fixed header and "MQTT"). */
function protocolLevel(b: Buffer): number {
  let i = 1;
  while ((b[i] as number) & 0x80) i++;
  return b[i + 1 + 6] as number;
}

async function scriptedBroker(
  onConnect: (level: number, sock: Socket) => void,
): Promise<{ url: string; levels: number[] }> {
  const levels: number[] = [];
  const server = createServer((sock) => {
    sock.once("data", (b) => {
      const level = protocolLevel(b);
      levels.push(level);
      onConnect(level, sock);
    });
    sock.on("error", () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  return { url: `mqtt://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`, levels };
}

function options(url: string, over: Partial<FleetSessionOptions> = {}): FleetSessionOptions {
  return {
    url,
    clientId: "t",
    protocol: "auto",
    keepaliveS: 10,
    connectTimeoutMs: 2000,
    backoff: { initialMs: 20, maxMs: 40 },
    maxBacklogBytes: 4096,
    ...over,
  };
}

test("a broker that refuses MQTT 5 gets 3.1.1, and the session says so", async () => {
  const broker = await scriptedBroker((level, sock) => {
    if (level === 5)
      sock.end(Buffer.from([0x20, 0x03, 0x00, 0x84, 0x00])); // CONNACK: unsupported protocol version
    else sock.write(Buffer.from([0x20, 0x02, 0x00, 0x00])); // 3.1.1 CONNACK: accepted
  });
  const s = new FleetSession(options(broker.url), new RealClock());
  const version = await new Promise<number>((resolve) => {
    s.once("up", resolve);
    s.start();
  });
  await s.stop(false);
  assert.equal(version, 4);
  assert.equal(s.protocolVersion, 4);
  assert.deepEqual(broker.levels, [5, 4]);
});

test('protocol "5" does not fall back: the refusal is reported and retried', async () => {
  const broker = await scriptedBroker((_level, sock) => sock.end(Buffer.from([0x20, 0x03, 0x00, 0x84, 0x00])));
  const s = new FleetSession(options(broker.url, { protocol: "5" }), new RealClock());
  const errors: TethysError[] = [];
  await new Promise<void>((resolve) => {
    s.on("down", (e) => {
      errors.push(e);
      if (errors.length === 2) resolve();
    });
    s.start();
  });
  await s.stop(false);
  assert.equal(errors[0]?.code, "FLEET_PROTOCOL_REFUSED");
  assert.ok(broker.levels.every((l) => l === 5));
});

test("garbage from the broker is a coded error and a retry, never a crash", async () => {
  const broker = await scriptedBroker((_level, sock) => sock.end(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3])));
  const s = new FleetSession(options(broker.url), new RealClock());
  const errors: TethysError[] = [];
  await new Promise<void>((resolve) => {
    s.on("down", (e) => {
      errors.push(e);
      if (errors.length === 3) resolve();
    });
    s.start();
  });
  await s.stop(false);
  assert.ok(
    errors.every((e) => e.code.startsWith("FLEET_")),
    errors.map((e) => e.code).join(),
  );
  assert.equal(s.up, false);
});

test("publish while down is refused at once (the caller keeps or drops)", () => {
  const s = new FleetSession(options("mqtt://127.0.0.1:1"), new RealClock());
  assert.equal(s.publish("tethys/v1/a/b/events", new Uint8Array(1), { qos: 1 }), false);
});

test("reason codes map to stable codes", () => {
  const c = (code: unknown, phase: "connect" | "publish") => classifyMqttError({ code, message: "m" }, phase).code;
  assert.equal(c(4, "connect"), "FLEET_AUTH_FAILED");
  assert.equal(c(0x86, "connect"), "FLEET_AUTH_FAILED");
  assert.equal(c(0x87, "publish"), "FLEET_NOT_AUTHORIZED");
  assert.equal(c(1, "connect"), "FLEET_PROTOCOL_REFUSED");
  assert.equal(c(0x84, "connect"), "FLEET_PROTOCOL_REFUSED");
  assert.equal(c(0x97, "connect"), "FLEET_CONNECT_REFUSED");
  assert.equal(c("ECONNREFUSED", "connect"), "FLEET_CONNECT_FAILED");
  assert.equal(c("DEPTH_ZERO_SELF_SIGNED_CERT", "connect"), "FLEET_TLS");
  assert.equal(c(undefined, "publish"), "FLEET_PUBLISH_FAILED");
});
