import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, test } from "node:test";
import { findTool, requireFile, requireTool } from "./tools.ts";

const dir = mkdtempSync(join(tmpdir(), "tethys-tools-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, "bin");
const other = join(dir, "other");
mkdirSync(bin);
mkdirSync(other);
mkdirSync(join(bin, "a-folder"));
writeFileSync(join(bin, "runnable"), "#!/bin/sh\n");
chmodSync(join(bin, "runnable"), 0o755);
writeFileSync(join(other, "plain"), "not a program\n");
chmodSync(join(other, "plain"), 0o644);
const env = { PATH: ["", other, bin].join(delimiter) };

test("a program on PATH is found and needs no skip", () => {
  assert.equal(findTool("runnable", env), join(bin, "runnable"));
  assert.equal(requireTool("runnable", "runnable-pkg", env), undefined);
  assert.equal(requireTool(join(bin, "runnable"), "runnable-pkg", env), undefined);
});

test("a missing program, a file that cannot run and a folder give a reason naming the Debian package", () => {
  assert.equal(
    requireTool("no-such-tool", "some-package", env),
    "no-such-tool not found on PATH (apt-get install some-package)",
  );
  assert.equal(requireTool("plain", "p", env), "plain not found on PATH (apt-get install p)");
  assert.equal(requireTool("a-folder", "p", env), "a-folder not found on PATH (apt-get install p)");
  assert.equal(requireTool(join(other, "plain"), "p", env), `${join(other, "plain")} not found (apt-get install p)`);
  assert.equal(findTool("runnable", { PATH: other }), undefined);
});

test("requireFile wants a regular file", () => {
  assert.equal(requireFile(join(other, "plain"), "p"), undefined);
  assert.equal(
    requireFile(join(dir, "missing.h"), "libx-dev"),
    `${join(dir, "missing.h")} not found (apt-get install libx-dev)`,
  );
  assert.equal(requireFile(bin, "p"), `${bin} not found (apt-get install p)`);
});
