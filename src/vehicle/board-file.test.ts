import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadBoardFile } from "./board-file.ts";

const PROFILE = `name = "my-rov"
fluid = "sea"
[devices.pwm]
type = "pca9685"
bus = "/dev/i2c-1"
[lights]
kind = "pwm"
channel = 8
[cameraTilt]
kind = "pwm"
channel = 10
rangeDeg = 30
[thrusters]
kind = "pca9685"
channels = [0, 1, 2, 3, 4, 5]
`;

test("a board profile from a TOML file: read and validated; unreadable or not TOML is BOARD_FILE, a bad profile BOARD_INVALID", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-board-file-"));
  try {
    const good = join(dir, "my-rov.toml");
    await writeFile(good, PROFILE);
    const p = await loadBoardFile(good);
    assert.equal(p.name, "my-rov");
    assert.deepEqual([p.cameraTilt?.channel, p.cameraTilt?.rangeDeg, p.cameraTilt?.downUs], [10, 30, 1100]);
    assert.equal(p.fluid, "sea");

    await assert.rejects(loadBoardFile(join(dir, "missing.toml")), (e: { code?: string; message?: string }) => {
      return e.code === "BOARD_FILE" && /missing\.toml/.test(e.message ?? "");
    });
    const notToml = join(dir, "bad.toml");
    await writeFile(notToml, 'name = "x"\n[lights\n');
    await assert.rejects(loadBoardFile(notToml), (e: { code?: string; message?: string }) => {
      return e.code === "BOARD_FILE" && /not valid TOML at line 2/.test(e.message ?? "");
    });
    const clash = join(dir, "clash.toml");
    await writeFile(clash, PROFILE.replace("channel = 10", "channel = 8"));
    await assert.rejects(loadBoardFile(clash), (e: { code?: string; message?: string }) => {
      return (
        e.code === "BOARD_INVALID" &&
        /cameraTilt\.channel: PWM channel 8 is already used by lights/.test(e.message ?? "")
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
