import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeChip {
  base: number;
  ngpio: number;
  label: string;
  /** Character-device name; linked as the chip's `device`. */
  devName?: string;
}

/** Builds a temporary sysfs tree with class/gpio/gpiochip<base>/{base,ngpio,label,device}. */
export async function makeFakeSysfs(chips: FakeChip[]): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "tethys-sysfs-"));
  const classDir = join(root, "class", "gpio");
  await mkdir(classDir, { recursive: true });
  await writeFile(join(classDir, "export"), "");
  for (const c of chips) {
    const dir = join(classDir, `gpiochip${c.base}`);
    await mkdir(dir);
    await writeFile(join(dir, "base"), `${c.base}\n`);
    await writeFile(join(dir, "ngpio"), `${c.ngpio}\n`);
    await writeFile(join(dir, "label"), `${c.label}\n`);
    if (c.devName !== undefined) {
      const devDir = join(root, "devices", "platform", `gpio-${c.base}`, c.devName);
      await mkdir(devDir, { recursive: true });
      await symlink(devDir, join(dir, "device"));
    }
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}
