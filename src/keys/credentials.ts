import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { TethysError } from "../kernel/errors.ts";

/**
 * Reading the files `tethys keys` made, for the vehicle and hub services: paths from a
 * config file are resolved against that file's directory; private keys and PSKs that group or
 * others can read are refused (KEYS_UNSAFE_MODE), as ssh refuses them.
 */

/** Resolves a path from a config file: absolute stays, relative is against the file's dir. */
export function resolveConfigPath(configFile: string | undefined, p: string): string {
  if (isAbsolute(p)) return p;
  return resolve(configFile === undefined ? "." : dirname(configFile), p);
}

async function read(path: string, secret: boolean): Promise<Buffer> {
  try {
    if (secret) {
      const st = await stat(path);
      if ((st.mode & 0o077) !== 0) {
        throw new TethysError(
          "KEYS_UNSAFE_MODE",
          `${path} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`,
          {
            details: { path },
          },
        );
      }
    }
    return await readFile(path);
  } catch (err) {
    if (err instanceof TethysError) throw err;
    throw new TethysError("KEYS_READ", `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      cause: err,
      details: { path },
    });
  }
}

export interface TlsCredentials {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** Reads CA, certificate and key PEM files and checks that they parse and that cert is the CA's. */
export async function readTlsCredentials(paths: { ca: string; cert: string; key: string }): Promise<TlsCredentials> {
  const [ca, cert, key] = await Promise.all([read(paths.ca, false), read(paths.cert, false), read(paths.key, true)]);
  let caCert: X509Certificate;
  let leaf: X509Certificate;
  try {
    caCert = new X509Certificate(ca);
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new TethysError("KEYS_INVALID", `${paths.ca} or ${paths.cert} is not a PEM certificate`, {
      cause: err,
      details: paths,
    });
  }
  if (!leaf.checkIssued(caCert) || !leaf.verify(caCert.publicKey)) {
    throw new TethysError("KEYS_INVALID", `${paths.cert} is not signed by the CA in ${paths.ca}`, { details: paths });
  }
  return { ca, cert, key };
}

/** Reads a DTLS PSK file: 64 hex digits (32 bytes), whitespace around ignored. */
export async function readPsk(path: string): Promise<Buffer> {
  const text = (await read(path, true)).toString("utf8").trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new TethysError("KEYS_INVALID", `${path}: expected 64 hex digits (a 32-byte PSK)`, { details: { path } });
  }
  return Buffer.from(text, "hex");
}
