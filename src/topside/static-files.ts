import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, sep } from "node:path";
import { pipeline } from "node:stream";
import { HubCodes, HubError } from "./errors.ts";

/**
 * Serves the cockpit bundle from one directory: GET/HEAD only, correct content types, no path
 * traversal (`..` segments — encoded or not — backslashes, NUL and dot-files are refused, and
 * the resolved real path must stay inside the directory, so symlinks cannot lead out of it).
 */
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

export function contentTypeFor(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
}

/**
 * The relative file path a URL path names, as segments, or undefined when it is not acceptable.
 * `/` and paths ending in `/` name `index.html`.
 */
export function safeSegments(urlPath: string): string[] | undefined {
  if (!urlPath.startsWith("/")) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const segments = decoded.split("/").slice(1);
  if (segments.at(-1) === "") segments[segments.length - 1] = "index.html";
  for (const s of segments) if (s === "" || s.startsWith(".")) return undefined;
  return segments;
}

export class StaticFiles {
  private readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /** Opens a directory to serve; throws HUB_STATIC_DIR when it is not a readable directory. */
  static async open(dir: string): Promise<StaticFiles> {
    try {
      const root = await realpath(dir);
      if (!(await stat(root)).isDirectory()) throw new Error("not a directory");
      return new StaticFiles(root);
    } catch (err) {
      throw new HubError(HubCodes.STATIC_DIR, `cannot serve static files from ${dir}: ${(err as Error).message}`);
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse, urlPath: string): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const segments = safeSegments(urlPath);
    if (segments === undefined) {
      res.writeHead(400, { "content-type": "text/plain" }).end("bad path\n");
      return;
    }
    const file = await this.resolve(segments);
    if (file === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    res.writeHead(200, {
      "content-type": contentTypeFor(file.path),
      "content-length": file.size,
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache",
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    // pipeline destroys both ends when either fails or the browser goes away mid-download, so an
    // aborted download never leaves its file descriptor and buffered chunk behind.
    pipeline(createReadStream(file.path), res, () => {});
  }

  private async resolve(segments: string[]): Promise<{ path: string; size: number } | undefined> {
    try {
      let path = await realpath(join(this.root, ...segments));
      if (path !== this.root && !path.startsWith(this.root + sep)) return undefined;
      let info = await stat(path);
      if (info.isDirectory()) {
        path = await realpath(join(path, "index.html"));
        if (!path.startsWith(this.root + sep)) return undefined;
        info = await stat(path);
      }
      return info.isFile() ? { path, size: info.size } : undefined;
    } catch {
      return undefined;
    }
  }
}
