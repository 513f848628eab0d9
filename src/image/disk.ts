import { createHash } from "node:crypto";
import { open, readdir, rename, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { LABELS, type LayoutPlan, MiB, sfdiskScript } from "./layout.ts";
import { runImageStep } from "./run.ts";

/** The disk identifier (MBR, 8 hex digits: PARTUUIDs are "<id>-01" …) and the ext4 UUIDs. */
export interface DiskIds {
  diskId: string;
  rootUuid: string;
  dataUuid: string;
}

/** Fixed identifiers from the inputs: two builds of the same release for the same board agree. */
export function identifiers(board: string, release: string, epoch: number): DiskIds {
  const h = (what: string): string =>
    createHash("sha256").update(`tethys-image:${board}:${release}:${epoch}:${what}`).digest("hex");
  const uuid = (hex: string): string =>
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { diskId: h("disk").slice(0, 8), rootUuid: uuid(h("root")), dataUuid: uuid(h("data")) };
}

export interface DiskOptions {
  /** The partitions' folders: the file systems are made from them. */
  boot: string;
  rootfs: string;
  data: string;
  layout: LayoutPlan;
  ids: DiskIds;
  /** Where the file system images are made; each is removed once copied into the disk. */
  work: string;
  env: NodeJS.ProcessEnv;
  /** The raw image: written as OUT.partial, renamed once complete. */
  out: string;
}

/**
 * The image build's disk stage, without mounting anything or a loop device: each file system
 * made from its folder (ext4 root and data with `mke2fs -d`, FAT32 boot with mkfs.vfat and
 * mcopy; their identifiers, and E2FSPROGS_FAKE_TIME, from the build's inputs), an empty file
 * of the layout's size, the MBR partition table written into it by sfdisk, and each file
 * system copied in at its partition's offset (dd, sparse).
 */
export async function assembleDisk(o: DiskOptions, step: (s: string) => void): Promise<void> {
  const { boot, rootfs, data, layout, ids, work, env } = o;
  step("file systems: ext4 root and data (mke2fs -d), FAT32 boot (mkfs.vfat, mcopy)");
  const [bootP, rootP, dataP] = layout.partitions;
  const rootImg = join(work, "root.ext4");
  const dataImg = join(work, "data.ext4");
  const bootImg = join(work, "boot.vfat");
  await mkExt4(rootfs, rootImg, rootP.size, LABELS.root, ids.rootUuid, env);
  await mkExt4(data, dataImg, dataP.size, LABELS.data, ids.dataUuid, env);
  await mkFat(boot, bootImg, bootP.size, ids.diskId, env);

  step(`image: ${(layout.totalBytes / MiB).toFixed(0)} MiB, MBR disk ${ids.diskId}`);
  const tmpImg = `${o.out}.partial`;
  await rm(tmpImg, { force: true });
  await writeFile(tmpImg, "");
  await truncate(tmpImg, layout.totalBytes);
  await runImageStep("sfdisk", ["--no-reread", "--no-tell-kernel", "--quiet", tmpImg], {
    packages: "fdisk",
    step: "writing the partition table",
    input: sfdiskScript(layout),
  });
  for (const [img, p] of [
    [bootImg, bootP],
    [rootImg, rootP],
    [dataImg, dataP],
  ] as const) {
    await runImageStep(
      "dd",
      [
        `if=${img}`,
        `of=${tmpImg}`,
        "bs=4M",
        `seek=${p.start}`,
        "oflag=seek_bytes",
        "conv=notrunc,sparse",
        "status=none",
      ],
      { packages: "coreutils", step: `copying the ${p.name} partition` },
    );
  }
  await rename(tmpImg, o.out);
  await rm(join(work, "root.ext4"), { force: true });
  await rm(join(work, "data.ext4"), { force: true });
  await rm(join(work, "boot.vfat"), { force: true });
}

async function mkExt4(dir: string, img: string, size: number, label: string, uuid: string, env: NodeJS.ProcessEnv) {
  await rm(img, { force: true });
  await runImageStep(
    "mke2fs",
    [
      "-q",
      "-F",
      "-t",
      "ext4",
      "-b",
      "4096",
      "-L",
      label,
      "-U",
      uuid,
      "-E",
      `root_owner=0:0,hash_seed=${uuid}`,
      "-d",
      dir,
      img,
      `${size / 1024}k`,
    ],
    {
      packages: "e2fsprogs",
      step: `making the ${label} file system`,
      env: { ...env, E2FSPROGS_FAKE_TIME: env.SOURCE_DATE_EPOCH },
    },
  );
}

async function mkFat(dir: string, img: string, size: number, volumeId: string, env: NodeJS.ProcessEnv) {
  await rm(img, { force: true });
  await runImageStep(
    "mkfs.vfat",
    ["-F", "32", "-n", LABELS.boot, "-i", volumeId, "--invariant", "-C", img, String(size / 1024)],
    { packages: "dosfstools", step: "making the boot file system", env },
  );
  const entries = (await readdir(dir)).sort().map((e) => join(dir, e));
  await runImageStep("mcopy", ["-s", "-p", "-m", "-i", img, ...entries, "::/"], {
    packages: "mtools",
    step: "filling the boot file system",
    env: { ...env, MTOOLS_SKIP_CHECK: "1" },
  });
}

/** Byte offset and size of a partition in a raw image, for mtools (`-i FILE@@OFFSET`) and QEMU. */
export async function readPartitionTable(image: string): Promise<{ start: number; size: number; type: string }[]> {
  const f = await open(image, "r");
  try {
    const mbr = Buffer.alloc(512);
    await f.read(mbr, 0, 512, 0);
    if (mbr.readUInt16LE(510) !== 0xaa55) throw new TethysError("IMAGE_LAYOUT", `${image}: no MBR partition table`);
    const out: { start: number; size: number; type: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const e = 446 + i * 16;
      const type = mbr[e + 4] ?? 0;
      if (type === 0) continue;
      out.push({
        start: mbr.readUInt32LE(e + 8) * 512,
        size: mbr.readUInt32LE(e + 12) * 512,
        type: type.toString(16).padStart(2, "0"),
      });
    }
    return out;
  } finally {
    await f.close();
  }
}
