import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Board } from "./layout.ts";
import { runImageStep } from "./run.ts";

/** Package versions and every file of the root (type, mode, owner, size, SHA-256 or link target), sorted. */
export async function rootManifest(rootfs: string, release: string, board: Board): Promise<string> {
  const packages = await runImageStep(
    "dpkg-query",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
    [`--admindir=${join(rootfs, "var/lib/dpkg")}`, "-W", "-f", "${Package} ${Version} ${Architecture}\\n"],
    { packages: "dpkg", step: "listing packages" },
  );
  const lines: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const abs = join(rootfs, rel);
    const st = await lstat(abs);
    const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
    const head = `${mode} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) lines.push(`l ${head} /${rel} -> ${await readlink(abs)}`);
    else if (st.isDirectory()) {
      if (rel !== "") lines.push(`d ${head} /${rel}`);
      for (const e of (await readdir(abs)).sort()) await walk(rel === "" ? e : `${rel}/${e}`);
    } else if (st.isFile()) lines.push(`f ${head} ${st.size} ${await sha256File(abs)} /${rel}`);
    else lines.push(`o ${head} /${rel}`);
  };
  await walk("");
  return [
    `# tethys image manifest: board ${board}, release ${release}`,
    "# packages",
    ...packages.trim().split("\n").sort(),
    "# files of the root",
    ...lines,
    "",
  ].join("\n");
}

/** What goes beside the raw image once it is complete. */
export interface ImageCompanions {
  bmap: string;
  compressed: string | undefined;
  rawBytes: number;
  compressedBytes: number | undefined;
  /** The raw image's SHA-256 (hex). */
  sha256: string;
}

/**
 * The image build's last stage, beside the raw image OUT: OUT.bmap (bmaptool), the compressed
 * OUT.xz or OUT.zst (multi-threaded; the raw image is kept), and OUT.sha256 with the SHA-256 of
 * the three in `sha256sum -c` format. The manifest (rootManifest) is written before the disk.
 */
export async function writeCompanions(o: { out: string; compress: "xz" | "zstd" | "none" }): Promise<ImageCompanions> {
  const bmap = `${o.out}.bmap`;
  await runImageStep("bmaptool", ["create", "-o", bmap, o.out], { packages: "bmap-tools", step: "bmaptool create" });
  let compressed: string | undefined;
  if (o.compress !== "none") {
    compressed = `${o.out}.${o.compress === "xz" ? "xz" : "zst"}`;
    const args =
      o.compress === "xz"
        ? ["-T0", "-6", "-k", "-f", "-q", o.out]
        : ["-T0", "-10", "--long=27", "-k", "-f", "-q", o.out];
    await runImageStep(o.compress, args, {
      packages: o.compress === "xz" ? "xz-utils" : "zstd",
      step: `compressing (${o.compress})`,
    });
  }
  const sums: string[] = [];
  for (const f of [o.out, compressed, bmap]) {
    if (f !== undefined) sums.push(`${await sha256File(f)}  ${basename(f)}`);
  }
  await writeFile(`${o.out}.sha256`, `${sums.join("\n")}\n`);
  const rawBytes = (await stat(o.out)).size;
  const compressedBytes = compressed ? (await stat(compressed)).size : undefined;
  return { bmap, compressed, rawBytes, compressedBytes, sha256: (sums[0] ?? "").split(" ")[0] ?? "" };
}

/** A file's SHA-256 (hex), streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}
