import { fileURLToPath } from "node:url";
import { signedTarball } from "./signed-bundle.ts";

const TETHYS = fileURLToPath(new URL("../../cli/tethys.ts", import.meta.url));
const FAKE_AGENT = fileURLToPath(new URL("./fake-agent.ts", import.meta.url));

/**
 * A small signed bundle for the test board (x64, this machine's): its `bin/tethys` runs this
 * source tree's `tethys` (so `release install` on the board is the real one), except `tethys
 * vehicle`, which is the fake agent serving `/health` (healthy or not, as asked). `padBytes` of
 * random (incompressible) data make the tarball as large as a test needs.
 */
export async function boardBundle(
  dir: string,
  privateKeyFile: string,
  version: string,
  o: { healthy?: boolean; padBytes?: number; tamper?: boolean; arch?: string } = {},
): Promise<string> {
  const node = process.execPath;
  const launcher = [
    "#!/bin/sh",
    'here=$(dirname "$(readlink -f "$0")")',
    'case "$1" in',
    `  vehicle) exec ${node} ${FAKE_AGENT} "$here/.." "$@" ;;`,
    `  *) exec ${node} ${TETHYS} "$@" ;;`,
    "esac",
    "",
  ].join("\n");
  const files: Record<string, string | Buffer> = {};
  if (o.healthy !== false) files["share/healthy"] = "yes\n";
  if (o.padBytes !== undefined) {
    const { randomBytes } = await import("node:crypto");
    files["share/pad.bin"] = randomBytes(o.padBytes);
  }
  return signedTarball(dir, privateKeyFile, version, {
    launcher,
    files,
    arch: o.arch ?? process.arch,
    ...(o.tamper === true ? { tamper: true } : {}),
  });
}
