import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { createAuthority, issueLeaf } from "../../src/keys/certificates.ts";
import { requireTool } from "./tools.ts";

/**
 * A real mosquitto for tests and benchmarks, on loopback: a generated config in a temporary
 * directory (password file, optional TLS listener from the project's own CA code, ACL), a free
 * port found by binding port 0 first (retried when another process wins the race), and
 * readiness read from mosquitto's own log. Started as root, mosquitto would drop to user
 * `mosquitto` and lose access to the files: the config names the current user.
 */
export const mosquittoSkip: string | undefined =
  requireTool("mosquitto", "mosquitto") ?? requireTool("mosquitto_passwd", "mosquitto");

export interface MosquittoOptions {
  /** username → password; when given, anonymous clients are refused. */
  users?: Record<string, string>;
  /** ACL file text (mosquitto's `user` / `topic` / `pattern` lines). */
  acl?: string;
  /** Serve TLS (mqtts) with a certificate from a fresh CA. */
  tls?: boolean;
  /** With `tls`: require a client certificate from the same CA; its CN is the username (ACLs apply). */
  clientCerts?: boolean;
  /** Extra config lines (e.g. a bridge). */
  extra?: string;
  /** Keep sessions and queued messages across `restart` (a persistence file in the directory). */
  persistent?: boolean;
}

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** The CA's PEM file when `tls`. */
  readonly caFile: string | undefined;
  readonly caPem: string | undefined;
  /** A client certificate (CN = `name`) from the broker's CA; `tls` only. */
  issueClient(name: string): Promise<{ certPem: string; keyPem: string }>;
  pid(): number;
  /** Stops mosquitto (SIGTERM) and waits for it. */
  stop(): Promise<void>;
  /** Starts it again on the same port and files. */
  restart(): Promise<void>;
  /** Stops it and deletes the directory. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

function launch(conf: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn("mosquitto", ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    const onData = (d: Buffer): void => {
      log += d.toString();
      if (/mosquitto version \S+ running/.test(log)) {
        child.stderr?.off("data", onData);
        child.stderr?.resume();
        child.off("exit", onExit);
        resolve(child);
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`mosquitto exited (${code}): ${log.trim()}`));
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", reject);
  });
}

export async function startMosquitto(o: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "tethys-mosquitto-"));
  chmodSync(dir, 0o755);
  const lines: string[] = ["per_listener_settings false", "log_dest stderr", "log_type error", "log_type warning"];
  lines.push("log_type notice", "log_type information", `user ${userInfo().username}`);
  lines.push(...(o.persistent === true ? ["persistence true", `persistence_location ${dir}/`] : ["persistence false"]));
  if (o.users !== undefined) {
    const pw = join(dir, "passwd");
    writeFileSync(pw, "");
    for (const [u, p] of Object.entries(o.users)) execFileSync("mosquitto_passwd", ["-b", pw, u, p]);
    chmodSync(pw, 0o644);
    lines.push("allow_anonymous false", `password_file ${pw}`);
  } else lines.push("allow_anonymous true");
  if (o.acl !== undefined) {
    const acl = join(dir, "acl");
    writeFileSync(acl, o.acl, { mode: 0o644 });
    lines.push(`acl_file ${acl}`);
  }
  let caFile: string | undefined;
  let caPem: string | undefined;
  let tlsLines: string[] = [];
  let ca: Awaited<ReturnType<typeof createAuthority>> | undefined;
  if (o.tls === true) {
    const now = new Date();
    ca = await createAuthority("tethys-test-broker-ca", 30, now);
    const leaf = await issueLeaf(ca, {
      commonName: "localhost",
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
      usage: ["server"],
      validDays: 30,
      now,
    });
    caFile = join(dir, "ca.pem");
    caPem = ca.certPem;
    writeFileSync(caFile, ca.certPem, { mode: 0o644 });
    writeFileSync(join(dir, "server.pem"), leaf.certPem, { mode: 0o644 });
    writeFileSync(join(dir, "server.key"), leaf.keyPem, { mode: 0o644 });
    tlsLines = [`cafile ${caFile}`, `certfile ${join(dir, "server.pem")}`, `keyfile ${join(dir, "server.key")}`];
    if (o.clientCerts === true) tlsLines.push("require_certificate true", "use_identity_as_username true");
  }
  const conf = join(dir, "mosquitto.conf");
  let port = 0;
  let child: ChildProcess | undefined;
  const write = (p: number): void => {
    const all = [...lines, `listener ${p} 127.0.0.1`, ...tlsLines, o.extra ?? ""];
    writeFileSync(conf, `${all.join("\n")}\n`, { mode: 0o644 });
  };
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort();
    write(port);
    try {
      child = await launch(conf);
    } catch (err) {
      if (attempt >= 4) throw err;
    }
  }
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    await exited;
  };
  return {
    port,
    url: `${o.tls === true ? "mqtts" : "mqtt"}://127.0.0.1:${port}`,
    dir,
    caFile,
    caPem,
    issueClient: async (name) => {
      if (ca === undefined) throw new Error("issueClient needs tls");
      const now = new Date();
      return issueLeaf(ca, { commonName: name, usage: ["client"], validDays: 30, now });
    },
    pid: () => child?.pid ?? 0,
    stop,
    restart: async () => {
      await stop();
      for (let attempt = 0; ; attempt++) {
        try {
          child = await launch(conf);
          return;
        } catch (err) {
          // the old socket may linger a moment; the port is ours, so retry
          if (attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
