/**
 * The layering of docs/architecture.md as data, and a pure checker of an import graph against it.
 *
 * A *unit* is a folder two levels down (`src/control`, `hardware/drivers`) or, for files at the
 * top of a folder, that folder (`simulator/world.ts` is in unit `simulator`). *Tooling* is code
 * that only tests, benchmarks or builds use: `*.test.ts`, `*.bench.ts`, code generators
 * (`gen-*.ts`), `testing/` and `bench/` folders, `test/`, `bench/`, `deploy/scripts/`; it may
 * import anything, and nothing in production may import it.
 */
import type { ImportEdge, ImportGraph } from "./import-graph.ts";

export const LAYERS = ["kernel", "core", "port", "adapter", "service", "cli"] as const;
export type Layer = (typeof LAYERS)[number];

/** Every production unit and its layer. A unit missing here is itself a violation. */
export const UNITS: Record<string, Layer> = {
  "src/kernel": "kernel",
  "src/protocol": "core",
  "src/dtls": "core",
  "src/control": "core",
  "src/fleet": "core",
  "src/video": "core",
  "simulator/physics": "core",
  "firmware-bridge/protocol": "core",
  "firmware-bridge/intel-hex": "core",
  "hardware/ports": "port",
  "hardware/common": "adapter",
  "hardware/drivers": "adapter",
  "hardware/linux": "adapter",
  "hardware/boards": "adapter",
  "simulator/bus": "adapter",
  "simulator/devices": "adapter",
  "simulator/tether": "adapter",
  "simulator/physics-data": "adapter",
  "src/links": "adapter",
  "src/keys": "adapter",
  "src/config": "adapter",
  "src/observability": "adapter",
  "src/dive-log": "adapter",
  "src/cameras": "adapter",
  "firmware-bridge/bridge": "adapter",
  "firmware-bridge/flash": "adapter",
  "firmware-bridge/firmware": "adapter",
  "firmware-bridge/sim": "adapter",
  "src/vehicle": "service",
  "src/topside": "service",
  "src/cockpit": "service",
  "src/release": "service",
  "src/image": "service",
  simulator: "service",
  "simulator/scenarios": "service",
  "src/cli": "cli",
};

/** Node built-ins a pure core may use (none do I/O). */
const CORE_BUILTINS: Record<string, readonly string[]> = { "src/dtls": ["node:crypto"] };
/** Packages a pure core may use (pure libraries). */
const CORE_PACKAGES = ["zod"];
/** Modules that reach hardware through native code: adapters in hardware/linux only. */
const NATIVE = ["serialport", "@serialport/bindings-cpp", "i2c-bus", "onoff", "unix-dgram"];
/** Files the browser runs: no Node built-ins. */
const BROWSER = /^(src\/(protocol|video|cockpit\/(app|core|input))|simulator\/scenarios\/report\/page)\//;
const TIMERS = /\b(setTimeout|setInterval|setImmediate|Date\.now|performance\.now)\s*\(|\bnew Date\s*\(/;

export interface Violation {
  rule: string;
  file: string;
  line?: number;
  detail: string;
}

export function isTooling(file: string): boolean {
  return (
    /\.(test|bench)\.ts$/.test(file) ||
    /(^|\/)gen-[^/]*\.ts$/.test(file) ||
    /(^|\/)(testing|bench)\//.test(file) ||
    /^(test|bench)\//.test(file) ||
    file.startsWith("deploy/scripts/")
  );
}

export function unitOf(file: string): string {
  const parts = file.split("/");
  return parts.length <= 2 ? (parts[0] as string) : `${parts[0]}/${parts[1]}`;
}

function layerIndex(unit: string): number {
  const layer = UNITS[unit];
  return layer === undefined ? -1 : LAYERS.indexOf(layer);
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/** Strongly connected components with more than one node (Tarjan). */
export function cycles(nodes: Iterable<string>, next: (n: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let i = 0;
  const visit = (v: string): void => {
    index.set(v, i);
    low.set(v, i);
    i++;
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return out;
}

/** Every way `graph` breaks the layering. Empty when the architecture holds. */
export function checkArchitecture(graph: ImportGraph): Violation[] {
  const v: Violation[] = [];
  const prod = (f: string) => !isTooling(f);
  const known = new Set(graph.files);
  const fileNext = new Map<string, Set<string>>();
  const unitNext = new Map<string, Set<string>>();

  for (const f of graph.files) {
    if (!prod(f)) continue;
    const unit = unitOf(f);
    if (!(unit in UNITS)) v.push({ rule: "unit-unlisted", file: f, detail: `unit ${unit} has no layer` });
    if (UNITS[unit] === "core" && TIMERS.test(stripComments(graph.text.get(f) ?? ""))) {
      v.push({ rule: "core-timers", file: f, detail: "a pure core uses timers or the wall clock" });
    }
  }

  for (const e of graph.edges) {
    if (!prod(e.from)) continue;
    const fromUnit = unitOf(e.from);
    const fromLayer = UNITS[fromUnit];
    const at = (rule: string, detail: string) => v.push({ rule, file: e.from, line: e.line, detail });
    if (e.spec.startsWith(".")) {
      if (!e.to.endsWith(".ts")) continue; // data (JSON) read through an import
      if (!known.has(e.to)) {
        at("unresolved", `imports ${e.spec}, which is not a file of the repository`);
        continue;
      }
      if (!prod(e.to)) {
        at("production-imports-tooling", `imports ${e.to}, which only tests use`);
        continue;
      }
      const toUnit = unitOf(e.to);
      if (toUnit === "src/cli" && fromUnit !== "src/cli")
        at("cli-imported", `imports ${e.to}: only src/cli uses the CLI`);
      if (fromLayer !== undefined && fromUnit !== toUnit && layerIndex(toUnit) > layerIndex(fromUnit)) {
        at("layer-upward", `${fromUnit} (${fromLayer}) imports ${e.to} (${UNITS[toUnit] ?? "unlisted"})`);
      }
      if (
        (fromLayer === "core" || fromLayer === "kernel") &&
        e.to === "src/kernel/real-clock.ts" &&
        fromUnit !== "src/kernel"
      ) {
        at("core-timers", "a pure core imports the real clock");
      }
      if (!fileNext.has(e.from)) fileNext.set(e.from, new Set());
      fileNext.get(e.from)?.add(e.to);
      if (fromUnit !== toUnit) {
        if (!unitNext.has(fromUnit)) unitNext.set(fromUnit, new Set());
        unitNext.get(fromUnit)?.add(toUnit);
      }
      continue;
    }
    // a Node built-in or a package
    if (fromLayer === "kernel" || fromLayer === "core" || fromLayer === "port") {
      const allowed = e.to.startsWith("node:")
        ? (CORE_BUILTINS[fromUnit] ?? []).includes(e.to)
        : CORE_PACKAGES.includes(e.to) && fromLayer === "core";
      if (!allowed) at("core-io", `${fromUnit} (${fromLayer}) imports ${e.to}`);
    }
    if (NATIVE.includes(e.to) && fromUnit !== "hardware/linux") {
      at("native-outside-adapter", `imports the native module ${e.to}; only hardware/linux does`);
    }
    if (BROWSER.test(e.from) && e.to.startsWith("node:")) at("browser-node", `browser code imports ${e.to}`);
  }

  for (const c of cycles(unitNext.keys(), (u) => unitNext.get(u) ?? [])) {
    v.push({ rule: "unit-cycle", file: c[0] as string, detail: `folders import each other: ${c.join(" ↔ ")}` });
  }
  for (const c of cycles(fileNext.keys(), (f) => fileNext.get(f) ?? [])) {
    v.push({ rule: "file-cycle", file: c[0] as string, detail: `files import each other: ${c.join(" ↔ ")}` });
  }
  return v;
}

export function formatViolation(x: Violation): string {
  return `${x.rule}: ${x.file}${x.line === undefined ? "" : `:${x.line}`}: ${x.detail}`;
}

export type { ImportEdge };
