// `npm run bench [name…]`: runs every bench/*.ts and every *.bench.ts beside the code it
// measures (or those whose path contains an argument), one after another in its own process,
// and prints their figures. Benchmarks are not tests: they print measurements and assert
// nothing about timing.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = fileURLToPath(new URL(".", import.meta.url));
const filters = process.argv.slice(2);
const own = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.endsWith(".test.ts") && !f.startsWith("_"))
  .map((f) => `bench/${f}`);
const beside = ["src", "hardware", "simulator", "firmware-bridge"].flatMap((top) =>
  readdirSync(`${root}${top}`, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".bench.ts") && !f.includes("node_modules"))
    .map((f) => `${top}/${f}`),
);
// Runs of hours (the soak, docs/soak.md) only when named: `npm run bench soak`; the summary
// (`npm run bench:summary`) runs the others itself.
const ONLY_WHEN_NAMED = new Set(["bench/soak.ts", "bench/reconnect-memory.ts", "bench/summary.ts"]);
const files = [...own, ...beside]
  .filter((f) => (filters.length === 0 ? !ONLY_WHEN_NAMED.has(f) : filters.some((x) => f.includes(x))))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${filters.join(", ")}\n`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== ${f}\n`);
  const r = spawnSync(process.execPath, [relative(process.cwd(), `${root}${f}`)], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`!!! ${f} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
