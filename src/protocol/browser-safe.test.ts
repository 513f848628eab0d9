import assert from "node:assert/strict";
import { test } from "node:test";
import { build } from "esbuild";

test("the protocol bundles for the browser with no Node built-ins or Buffer", async () => {
  const result = await build({
    entryPoints: [new URL("./index.ts", import.meta.url).pathname],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
  });
  assert.equal(result.errors.length, 0);
  const code = result.outputFiles[0]?.text ?? "";
  assert.ok(code.length > 1000, "bundle unexpectedly small");
  assert.doesNotMatch(code, /\bBuffer\b/, "protocol code must use Uint8Array, not Buffer");
  assert.doesNotMatch(code, /from ["']node:/);
});
