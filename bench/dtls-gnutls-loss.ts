/**
 * GnuTLS interop through the tether emulator at 25 % loss each way: `gnutls-cli --udp` handshakes
 * with the Tethys DTLS server while the server sends application data (heartbeats, as the hub
 * does) every 100 ms on every session from the moment it is established. GnuTLS restarts its
 * retransmission timer on every datagram; before the server held application data until the
 * client's first record, a lost final flight wedged the handshake (1 in 6–12 failed). Prints how
 * many handshakes completed and how long they took. Needs the Debian gnutls-bin package.
 *
 *   node bench/dtls-gnutls-loss.ts [handshakes=12] [loss=0.25]
 */
import { spawnSync } from "node:child_process";
import { UdpTetherProxy } from "../simulator/tether/udp-proxy.ts";
import type { SessionInfo } from "../src/dtls/server.ts";
import { RealClock } from "../src/kernel/real-clock.ts";
import { DtlsServer } from "../src/links/dtls-server/dtls-server.ts";
import { CCM_8, gnutlsPriority, IDENTITY, PSK, PSK_HEX } from "../test/interop/dtls/testing/fixtures.ts";
import { Tool } from "../test/interop/dtls/testing/tool.ts";

const handshakes = Number(process.argv[2] ?? 12);
const loss = Number(process.argv[3] ?? 0.25);
if (spawnSync("gnutls-cli", ["--version"]).error !== undefined) {
  console.log("skipped: gnutls-cli not found (Debian package gnutls-bin)");
  process.exit(0);
}

const clock = new RealClock();
const server = new DtlsServer({ psk: { [IDENTITY]: PSK } }, clock);
const { port } = await server.listen();
const live = new Set<SessionInfo>();
server.on("established", ({ session }) => live.add(session));
server.on("closed", ({ session }) => live.delete(session));
const beat = new Uint8Array(32);
const heartbeats = setInterval(() => {
  for (const s of live) {
    try {
      server.send(s, beat);
    } catch {
      // closed in between
    }
  }
}, 100);

const times: number[] = [];
let failed = 0;
for (let i = 0; i < handshakes; i++) {
  const proxy = await UdpTetherProxy.start({
    target: { host: "127.0.0.1", port },
    clock,
    up: { loss },
    down: { loss },
    seed: 1000 + i,
  });
  const via = proxy.address().port;
  const t0 = performance.now();
  const tool = new Tool("gnutls-cli", [
    "--udp",
    "-p",
    String(via),
    "127.0.0.1",
    "--pskusername",
    IDENTITY,
    "--pskkey",
    PSK_HEX,
    "--priority",
    gnutlsPriority(CCM_8.gnutls),
  ]);
  try {
    await tool.waitFor(/Handshake was completed/, 60_000);
    times.push(performance.now() - t0);
    tool.write("telemetry\n"); // the vehicle's first record releases the held heartbeats
  } catch {
    failed++;
  } finally {
    await tool.kill();
    await proxy.close();
  }
}
clearInterval(heartbeats);
await server.close();
times.sort((a, b) => a - b);
const c = server.counters;
console.log(
  `gnutls-cli through the tether at ${loss * 100} % loss each way, heartbeats every 100 ms: ${times.length}/${handshakes} handshakes completed, ${failed} failed (60 s limit)`,
);
console.log(
  `  time to handshake: p50 ${(times[Math.floor(times.length / 2)] ?? Number.NaN).toFixed(0)} ms, max ${(times.at(-1) ?? Number.NaN).toFixed(0)} ms`,
);
console.log(
  `  server: ${c.handshakesCompleted} completed, ${c.retransmissions} flight retransmissions, ${c.appDataHeld} heartbeats held (${c.appDataHeldDropped} dropped) until the client's first record`,
);
