import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildCockpit } from "./build.ts";

test("the cockpit builds into a self-contained directory", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-cockpit-"));
  try {
    const r = await buildCockpit(dir, { minify: false });
    const html = await readFile(join(dir, "index.html"), "utf8");
    assert.match(html, /<script type="module" src="app.js">/);
    const js = await readFile(join(dir, "app.js"), "utf8");
    assert.doesNotMatch(js, /from ["']node:/);
    assert.match(js, /telemetry/, "the shared schema is bundled");
    assert.ok((await readFile(join(dir, "uPlot.min.css"), "utf8")).length > 100);
    assert.ok(r.bytes > 10_000);
  } finally {
    await rm(dir, { recursive: true });
  }
});
