import { rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

/**
 * The `tethys` program as one plain-JavaScript ES module for Node 24: every TypeScript source
 * and pure-JS dependency bundled by esbuild, so nothing is type-stripped or resolved file by
 * file at start. Native modules stay outside (loaded lazily from `lib/node_modules`, see
 * native-modules.ts). Development-only packages the CLI can reach (esbuild, used by `tethys sim`
 * to build the cockpit) are replaced by a module that refuses with RELEASE_NOT_IN_BUNDLE.
 */
const NATIVE_EXTERNALS = ["serialport", "@serialport/*", "i2c-bus", "onoff", "unix-dgram"];
const DEV_ONLY = ["esbuild"];
const ERRORS_MODULE = fileURLToPath(new URL("../kernel/errors.ts", import.meta.url));
/**
 * Worker-thread entries, bundled beside the program under the name their starter looks for
 * (`src/cameras/sim-encoder.ts`: RENDER_WORKER_BUNDLE_FILE).
 */
const WORKERS = [{ entry: join("src", "cameras", "render-worker.ts"), file: "camera-render-worker.mjs" }];

export async function bundleProgram(o: {
  projectDir: string;
  outFile: string;
  /** Entry under the project (default src/cli/tethys.ts; src/cli/agent-main.ts: the vehicle agent alone). */
  entry?: string;
  /**
   * Module format (default "esm"). "cjs" for a V8 startup snapshot, whose entry must be one
   * CommonJS script (src/cli/agent-snapshot.ts).
   */
  format?: "esm" | "cjs";
  /** More esbuild plugins, run before the bundle's own. */
  plugins?: Plugin[];
}): Promise<number> {
  const format = o.format ?? "esm";
  const result = await build({
    entryPoints: [join(o.projectDir, o.entry ?? join("src", "cli", "tethys.ts"))],
    bundle: true,
    platform: "node",
    format,
    target: "node24",
    outfile: o.outFile,
    external: NATIVE_EXTERNALS,
    plugins: [...(o.plugins ?? []), devOnlyStub()],
    // Modules that run as scripts (`node src/cockpit/build.ts`) check import.meta.main; inside
    // the bundle only the entry is the main module.
    define: {
      "import.meta.main": "false",
      // CommonJS has no import.meta: dependencies that call createRequire(import.meta.url) get the file's URL.
      ...(format === "cjs" ? { "import.meta.url": "__tethysMetaUrl" } : {}),
    },
    // CommonJS dependencies call require() for Node built-ins; an ES module has no require.
    ...(format === "esm"
      ? {
          banner: {
            js: 'import { createRequire as __tethysRequire } from "node:module"; const require = __tethysRequire(import.meta.url);',
          },
        }
      : {
          // A startup snapshot's script has no dynamic import() and a require for built-ins only:
          // import() becomes require(), which takes built-ins as they are and loads anything else
          // (the native modules) through a require made, at run time, where the snapshot blob is.
          supported: { "dynamic-import": false },
          banner: { js: CJS_BANNER },
        }),
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: "eof",
    metafile: true,
    logLevel: "silent",
  });
  let bytes = Object.values(result.metafile.outputs).reduce((n, out) => n + out.bytes, 0);
  for (const w of WORKERS) {
    // Written under a temporary name and renamed: a program starting meanwhile never loads half a file.
    const out = join(dirname(o.outFile), w.file);
    const tmp = `${out}.${process.pid}.tmp.mjs`;
    try {
      const r = await build({
        entryPoints: [join(o.projectDir, w.entry)],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node24",
        outfile: tmp,
        minifyWhitespace: true,
        minifySyntax: true,
        keepNames: true,
        legalComments: "eof",
        metafile: true,
        logLevel: "silent",
      });
      bytes += Object.values(r.metafile.outputs).reduce((n, x) => n + x.bytes, 0);
      await rename(tmp, out);
    } finally {
      await rm(tmp, { force: true });
    }
  }
  return bytes;
}

const CJS_BANNER = [
  'var __tethysMetaUrl = require("node:url").pathToFileURL(__filename).href;',
  "var __tethysRequireAt = () => {",
  '  const a = process.execArgv, i = a.indexOf("--snapshot-blob");',
  '  const blob = i >= 0 ? a[i + 1] : a.find((x) => x.startsWith("--snapshot-blob="))?.slice(16);',
  '  return process.getBuiltinModule("node:module").createRequire(require("node:path").resolve(blob ?? __filename));',
  "};",
  "var require = (id) => process.getBuiltinModule(id) ?? __tethysRequireAt()(id);",
].join("\n");

function devOnlyStub(): Plugin {
  const filter = new RegExp(`^(${DEV_ONLY.join("|")})$`);
  return {
    name: "tethys-dev-only",
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: "tethys-dev-only" }));
      b.onLoad({ filter: /.*/, namespace: "tethys-dev-only" }, (args) => ({
        resolveDir: join(ERRORS_MODULE, ".."),
        loader: "js",
        contents: `import { TethysError } from ${JSON.stringify(ERRORS_MODULE)};
const refuse = () => { throw new TethysError("RELEASE_NOT_IN_BUNDLE", ${JSON.stringify(`${args.path} is a development tool and not part of a release bundle: run this command from the source tree`)}); };
export const build = refuse;
export default { build: refuse };`,
      }));
    },
  };
}
