// `npm run bench [name…]`: runs every bench/*.ts (or those whose name contains an argument),
// one after another in its own process, and prints their figures. Benchmarks are not tests:
// they print measurements and assert nothing about timing.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.endsWith(".test.ts") && !f.startsWith("_"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${filters.join(", ")}\n`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== ${f}\n`);
  const r = spawnSync(process.execPath, [`${dir}${f}`], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`!!! ${f} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
