/**
 * Prints the project's folder-level import graph, layer by layer, as the architecture test reads
 * it: `npm run arch` (text) or `npm run arch -- --dot` (Graphviz). Violations, if any, follow.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  checkArchitecture,
  formatViolation,
  isTooling,
  LAYERS,
  UNITS,
  unitOf,
} from "../../test/support/architecture-rules.ts";
import { readRepoGraph } from "../../test/support/import-graph.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const graph = readRepoGraph(root);
const deps = new Map<string, Set<string>>();
for (const e of graph.edges) {
  if (isTooling(e.from) || !e.spec.startsWith(".") || !graph.text.has(e.to) || isTooling(e.to)) continue;
  const a = unitOf(e.from);
  const b = unitOf(e.to);
  if (a === b) continue;
  if (!deps.has(a)) deps.set(a, new Set());
  deps.get(a)?.add(b);
}

if (process.argv.includes("--dot")) {
  const lines = ["digraph tethys {", "  rankdir=BT; node [shape=box, fontname=sans];"];
  for (const layer of LAYERS) {
    const units = Object.keys(UNITS).filter((u) => UNITS[u] === layer);
    lines.push(`  subgraph cluster_${layer} { label="${layer}"; ${units.map((u) => `"${u}";`).join(" ")} }`);
  }
  for (const [a, bs] of deps) for (const b of bs) lines.push(`  "${a}" -> "${b}";`);
  lines.push("}");
  console.log(lines.join("\n"));
} else {
  for (const layer of [...LAYERS].reverse()) {
    console.log(`${layer}`);
    for (const u of Object.keys(UNITS).filter((x) => UNITS[x] === layer)) {
      console.log(`  ${u.padEnd(26)} → ${[...(deps.get(u) ?? [])].sort().join(", ") || "(nothing)"}`);
    }
  }
  const v = checkArchitecture(graph);
  console.log(v.length === 0 ? "\nno violations" : `\n${v.length} violations:\n${v.map(formatViolation).join("\n")}`);
  process.exitCode = v.length === 0 ? 0 : 1;
}
