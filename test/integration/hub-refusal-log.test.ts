import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { test } from "node:test";
import pino from "pino";
import { Registry } from "prom-client";
import { parseConfig } from "../../src/config/load.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { generateKeys } from "../../src/keys/generate.ts";
import { startTopside } from "../../src/topside/service.ts";
import { EngineClient } from "../interop/dtls/testing/engine-client.ts";

/**
 * A flood of failed command-link handshakes or refused DTLS handshakes writes one log line per code
 * (then a "N more" summary per 10 s), while /metrics counts every one of them.
 */
test("failed handshakes on both links: one log line per code, every one counted on /metrics", {
  timeout: 60_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-refusal-log-"));
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l));
      cb();
    },
  });
  try {
    await generateKeys({ dir: join(dir, "keys"), vehicleId: "rov1", configDir: dir });
    const snippet = await readFile(join(dir, "keys", "topside.snippet.toml"), "utf8");
    const text = ["[topside]", "http_port = 0", "command_port = 0", "telemetry_port = 0", snippet].join("\n");
    const file = join(dir, "topside.toml");
    await writeFile(file, text);
    const { config } = parseConfig(text, file);
    const registry = new Registry();
    const svc = await startTopside({
      config: config.topside as NonNullable<typeof config.topside>,
      configFile: file,
      clock: new RealClock(),
      logger: pino({ level: "info" }, sink),
      registry,
    });
    const N = 20;
    try {
      // Command link: N connections that speak no TLS (each fails its handshake at the hub).
      await Promise.all(
        Array.from(
          { length: N },
          () =>
            new Promise<void>((resolve) => {
              const s = connect(svc.ports.command, "127.0.0.1", () => s.write("GET / HTTP/1.1\r\n\r\n"));
              s.on("error", () => {});
              s.on("close", () => resolve());
            }),
        ),
      );
      // Telemetry: N handshakes with an identity the hub does not know, each refused.
      for (let i = 0; i < N; i++) {
        const client = new EngineClient(new RealClock());
        await client.connect(svc.ports.telemetry, { identity: "nobody", psk: new Uint8Array(16) });
        await client.next("closed").catch(() => {});
        await client.close();
      }
      const metrics = async () => registry.metrics();
      // Every failure is counted (wait for the last of them to be processed).
      for (let i = 0; i < 100; i++) {
        const m = await metrics();
        const cmd = Number(
          /tethys_command_closes_total\{[^}]*reason="CMD_TLS_HANDSHAKE"[^}]*\} (\d+)/.exec(m)?.[1] ?? 0,
        );
        const dtls = [...m.matchAll(/tethys_dtls_closed_total\{code="([^"]+)"\} (\d+)/g)].reduce(
          (a, x) => a + Number(x[2]),
          0,
        );
        if (cmd >= N && dtls >= N) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const m = await metrics();
      assert.match(m, new RegExp(`tethys_command_closes_total\\{[^}]*reason="CMD_TLS_HANDSHAKE"[^}]*\\} ${N}\\b`));
      const dtlsCodes = [...m.matchAll(/tethys_dtls_closed_total\{code="([^"]+)"\} (\d+)/g)];
      assert.equal(
        dtlsCodes.reduce((a, x) => a + Number(x[2]), 0),
        N,
      );
      const refused = lines.filter((l) => String(l.msg).startsWith("vehicle refused"));
      assert.equal(refused.length, 1, "one line for the first failed handshake, not one each");
      const closed = lines.filter((l) => String(l.msg).startsWith("telemetry session closed"));
      assert.equal(closed.length, dtlsCodes.length, "one line per close code, not one per refused hello");
    } finally {
      await svc.stop();
    }
    // Stopping summarises what was held back: every failure is in a line or a summary.
    const more = (prefix: string) =>
      lines
        .filter((l) => String(l.msg).includes(prefix))
        .reduce((a, l) => a + (typeof l.more === "number" ? l.more : 0), 0);
    assert.equal(more("more vehicle connection(s) refused"), N - 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
