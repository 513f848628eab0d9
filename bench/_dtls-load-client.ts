/**
 * Benchmark helper (child process): node-dtls-client connects to 127.0.0.1:<port>, sends
 * <count> records of <size> bytes in paced bursts, reports to the parent over IPC, then waits
 * for "close". Usage: _dtls-load-client.ts (the leading _ keeps `npm run bench` from running it on its own) <port> <count> <size> <suite> <identity> <pskHex>
 */
import { dtls } from "node-dtls-client";

const [portArg, countArg, sizeArg, suite, identity, pskHex] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const size = Number(sizeArg);
const BURST = 50;

const socket = dtls.createSocket({
  type: "udp4",
  address: "127.0.0.1",
  port,
  psk: { [identity as string]: Buffer.from(pskHex as string, "hex") },
  ciphers: [suite as "TLS_PSK_WITH_AES_128_CCM_8"],
  timeout: 5000,
});

socket.on("error", (e) => {
  process.send?.({ type: "error", message: e.message });
  process.exit(1);
});

socket.on("connected", () => {
  process.send?.({ type: "connected" });
  // "~" bytes: easy to count in s_server's output, which carries other text too.
  const payload = Buffer.alloc(size, 0x7e);
  payload[size - 1] = 0x0a; // newline: s_server prints records line by line
  let sent = 0;
  const started = process.hrtime.bigint();
  const burst = () => {
    for (let i = 0; i < BURST && sent < count; i++, sent++) socket.send(payload);
    if (sent < count) setImmediate(burst);
    else {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      process.send?.({ type: "sent", sent, ms });
    }
  };
  burst();
});

process.on("message", (m) => {
  if (m !== "close") return;
  socket.close();
  setImmediate(() => process.exit(0));
});
