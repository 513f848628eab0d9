import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { PROTOCOL_VERSION } from "../../firmware-bridge/flash/agent-protocol.ts";
import { testImage } from "../../firmware-bridge/flash/testing/test-image.ts";
import { CliCommand } from "./cli-command.ts";
import { registerFlashCommand } from "./flash-command.ts";

async function run(args: string[]): Promise<{ out: string; err: string; exitCode: number }> {
  const r = { out: "", err: "", exitCode: 0 };
  const program = new CliCommand()
    .exitOverride()
    .configureOutput({ writeErr: (t) => (r.err += t), writeOut: (t) => (r.out += t) });
  registerFlashCommand(program, {
    out: (t) => (r.out += t),
    err: (t) => (r.err += t),
    errIsTty: false,
  });
  try {
    await program.parseAsync(["flash", ...args], { from: "user" });
    r.exitCode = program.exitCode;
  } catch (err) {
    r.exitCode = (err as { exitCode?: number }).exitCode ?? 99;
  }
  return r;
}

test("--image together with --build is refused with FLASH_BAD_OPTION and exit code 1", async () => {
  const r = await run(["--port", "/dev/ttyACM0", "--image", "a.hex", "--build"]);
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /^error FLASH_BAD_OPTION: give exactly one of --image FILE and --build\n$/);
});

test("a non-numeric --baud and a missing --port are rejected by the parser", async () => {
  const baud = await run(["--port", "/dev/ttyACM0", "--image", "a.hex", "--baud", "fast"]);
  assert.notEqual(baud.exitCode, 0);
  assert.match(baud.err, /--baud.*whole number/);
  const port = await run(["--image", "a.hex"]);
  assert.notEqual(port.exitCode, 0);
  assert.match(port.err, /--port/);
});

test("an image for another protocol is refused on the command line, naming both versions", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tethys-flash-cmd-"));
  try {
    const path = join(dir, "other.hex");
    writeFileSync(path, testImage({ protocol: PROTOCOL_VERSION + 7 }).hex);
    const r = await run(["--port", "/dev/ttyACM0", "--image", path]);
    assert.equal(r.exitCode, 1);
    assert.match(
      r.err,
      new RegExp(
        `^error FLASH_PROTOCOL_MISMATCH: image speaks MCU protocol ${PROTOCOL_VERSION + 7} .* this agent speaks protocol ${PROTOCOL_VERSION}`,
      ),
    );
    assert.equal(r.out, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
