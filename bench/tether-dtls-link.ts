/**
 * Benchmark: cost of DtlsLink.send() (node-dtls-client encrypts, one record per datagram) to
 * `openssl s_server` on loopback, per suite. Prints µs per record on the sending side and how
 * many records the server printed. Run: node bench/tether-dtls-link.ts (needs openssl).
 */
import { RealClock } from "../src/kernel/real-clock.ts";
import { DtlsLink } from "../src/links/dtls-client/dtls-link.ts";
import { nodeDtlsSessionFactory } from "../src/links/dtls-client/node-dtls-session.ts";
import { startOpensslPeer, waitForState } from "../src/links/dtls-client/testing/openssl-peer.ts";
import type { CipherName } from "../src/links/dtls-client/types.ts";

const KEY = "0f0e0d0c0b0a09080706050403020100";
const N = 5000;
const SUITES: [CipherName, string][] = [
  ["TLS_PSK_WITH_AES_128_CCM_8", "PSK-AES128-CCM8"],
  ["TLS_PSK_WITH_AES_128_GCM_SHA256", "PSK-AES128-GCM-SHA256"],
  ["TLS_PSK_WITH_AES_128_CCM", "PSK-AES128-CCM"],
];

for (const [ours, theirs] of SUITES) {
  const peer = await startOpensslPeer({ identity: "bench", keyHex: KEY, cipher: theirs });
  const link = new DtlsLink({
    address: "127.0.0.1",
    port: peer.port,
    identity: "bench",
    key: Buffer.from(KEY, "hex"),
    clock: new RealClock(),
    factory: nodeDtlsSessionFactory,
    ciphers: [ours],
    stallTimeoutMs: 0,
  });
  const t0 = process.hrtime.bigint();
  link.start();
  await waitForState(link, (s) => s.state === "up");
  const handshakeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const msg = new Uint8Array(200).fill(0x41);
  msg[199] = 0x0a;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    link.send(msg);
    // Let the event loop flush the socket every 100 records so the kernel buffer is not the test.
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  const perRecordUs = Number(process.hrtime.bigint() - t1) / 1000 / N;
  const last = new Uint8Array(5);
  last.set([0x45, 0x4e, 0x44, 0x21, 0x0a]); // "END!\n"
  link.send(last);
  await peer.waitFor(/END!/);
  const printed = (peer.output().match(/A{199}/g) ?? []).length;
  console.log(
    `${ours.padEnd(32)} handshake ${handshakeMs.toFixed(1)} ms   send ${perRecordUs.toFixed(1)} µs/record (${(1e6 / perRecordUs / 1000).toFixed(1)} k/s)   server got ${printed}/${N}`,
  );
  link.stop();
  await peer.stop();
}
console.log(`node ${process.version} ${process.arch}`);
