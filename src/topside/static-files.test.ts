import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../kernel/errors.ts";
import { HubCodes } from "./errors.ts";
import { contentTypeFor, StaticFiles, safeSegments } from "./static-files.ts";
import { startTestHub, type TestHub } from "./testing/hub-harness.ts";

/** Sends a raw path (fetch would normalise `..` away before sending). */
function get(
  port: number,
  path: string,
  method = "GET",
): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("static cockpit files", () => {
  let dir: string;
  let t: TestHub;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tethys-static-"));
    const root = join(dir, "www");
    await mkdir(join(root, "assets"), { recursive: true });
    await writeFile(join(root, "index.html"), "<!doctype html><title>cockpit</title>");
    await writeFile(join(root, "assets", "app.js"), "export {};");
    await writeFile(join(root, "assets", "style.css"), "body{}");
    await writeFile(join(root, ".env"), "SECRET=1");
    await writeFile(join(dir, "outside.txt"), "secret outside the root");
    await symlink(join(dir, "outside.txt"), join(root, "escape.txt"));
    t = await startTestHub({ staticDir: root });
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("serves files with their content types, index.html for directories, HEAD without a body", async () => {
    const port = t.hub.address.port;
    const index = await get(port, "/");
    assert.deepEqual([index.status, index.type], [200, "text/html; charset=utf-8"]);
    assert.match(index.body, /cockpit/);
    assert.deepEqual(
      [(await get(port, "/assets/app.js")).type, (await get(port, "/assets/style.css?v=2")).type],
      ["text/javascript; charset=utf-8", "text/css; charset=utf-8"],
    );
    const head = await get(port, "/assets/app.js", "HEAD");
    assert.deepEqual([head.status, head.body], [200, ""]);
    assert.equal((await get(port, "/assets/app.js", "POST")).status, 405);
    assert.equal((await get(port, "/missing.js")).status, 404);
  });

  test("no path traversal: dot segments (plain or encoded), backslashes, NUL, dot-files and symlinks out of the root", async () => {
    const port = t.hub.address.port;
    for (const path of [
      "/../outside.txt",
      "/assets/../../outside.txt",
      "/%2e%2e/outside.txt",
      "/assets/%2e%2e%2f%2e%2e%2foutside.txt",
      "/..%5coutside.txt",
      "/index.html%00.js",
      "/.env",
      "/%2eenv",
      "/escape.txt",
      "/%E0%A4%A",
    ]) {
      const r = await get(port, path);
      assert.ok(r.status === 400 || r.status === 404, `${path} gave ${r.status}`);
      assert.doesNotMatch(r.body, /secret|SECRET/, path);
    }
  });

  test("property: no URL path resolves outside the root", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("..", ".", "%2e%2e", "%2E.", "a", "b.js", "%2f", "%5c", "", "%00", "~"), {
          maxLength: 8,
        }),
        (parts) => {
          const segs = safeSegments(`/${parts.join("/")}`);
          if (segs !== undefined)
            for (const s of segs)
              assert.ok(s !== ".." && s !== "." && !s.includes("/") && !s.includes("\\") && !s.includes("\0"), s);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("content types and a bad directory", async () => {
    assert.equal(contentTypeFor("x.WASM"), "application/wasm");
    assert.equal(contentTypeFor("x.unknown"), "application/octet-stream");
    await assert.rejects(StaticFiles.open(join(dir, "no-such-dir")), (e) => isTethysError(e, HubCodes.STATIC_DIR));
  });
});

describe("aborted downloads", () => {
  let dir: string;
  let t: TestHub;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tethys-static-abort-"));
    await writeFile(join(dir, "big.bin"), Buffer.alloc(4 * 1024 * 1024, 7));
    t = await startTestHub({ staticDir: dir });
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Open file descriptors of this process (the hub runs in it). */
  const openFds = (): number => readdirSync("/proc/self/fd").length;

  /** Starts a download and aborts it once the headers are in; resolves when the socket is gone. */
  const abortOne = (port: number): Promise<void> =>
    new Promise((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/big.bin", agent: false }, (res) => {
        res.once("data", () => req.destroy());
      });
      req.on("error", () => {});
      req.on("close", () => resolve());
      req.end();
    });

  test("500 aborted downloads leave no file descriptor behind", { skip: !existsSync("/proc/self/fd") }, async () => {
    const port = t.hub.address.port;
    const baseline = openFds();
    for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 50 }, () => abortOne(port)));
    // The server side of each socket closes after the client's; wait (bounded) for it to settle.
    let fds = openFds();
    for (let turn = 0; turn < 400 && fds > baseline + 5; turn++) {
      await new Promise((r) => setTimeout(r, 5));
      fds = openFds();
    }
    assert.ok(fds <= baseline + 5, `open descriptors ${fds}, baseline ${baseline}`);
  });
});
