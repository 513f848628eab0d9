import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { listFiles, MANIFEST_FORMAT, writeSignedManifest } from "../manifest.ts";
import { loadPrivateKey } from "../release-key.ts";
import { bundleName } from "../targets.ts";

const run = promisify(execFile);

/**
 * A small signed bundle tarball laid out as `tethys release` makes one: `bin/tethys` is a shell
 * script that prints the version (and so accepts any config check), the manifest is signed with
 * the given private key. `tamper` changes a file after signing.
 */
export async function signedTarball(
  dir: string,
  privateKeyFile: string,
  version: string,
  o: {
    arch?: string;
    tamper?: boolean;
    /** `bin/tethys` instead of the script that prints the version. */
    launcher?: string;
    /** More files, by path in the bundle. */
    files?: Record<string, string | Buffer>;
  } = {},
): Promise<string> {
  const arch = o.arch ?? "arm64";
  const name = bundleName(version, arch);
  const stage = await mkdtemp(join(dir, "stage-"));
  const root = join(stage, name);
  await mkdir(join(root, "bin"), { recursive: true });
  await writeFile(join(root, "bin", "tethys"), o.launcher ?? `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
  for (const [path, content] of Object.entries(o.files ?? {})) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content, { mode: 0o644 });
  }
  await writeSignedManifest(
    root,
    {
      format: MANIFEST_FORMAT,
      name: "tethys",
      version,
      commit: "c".repeat(40),
      dirty: false,
      platform: "linux",
      arch,
      node: { version: "24.0.0", abi: "137" },
      natives: {},
      firmware: null,
      created: new Date().toISOString(),
      files: await listFiles(root),
    },
    await loadPrivateKey(privateKeyFile),
  );
  if (o.tamper) await writeFile(join(root, "bin", "tethys"), "#!/bin/sh\necho evil\n", { mode: 0o755 });
  const out = join(stage, `${name}.tar.gz`);
  await run("tar", ["-czf", out, "-C", stage, name]);
  return out;
}
