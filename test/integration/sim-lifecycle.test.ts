import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { generateKeys } from "../../src/keys/generate.ts";

/**
 * `tethys sim`'s process lifecycle as a user meets it: a second start on a busy port exits at
 * once naming the port and `--http-port`; Ctrl-C during start-up leaves nothing running; and the
 * world, hub and agent exit when `tethys sim` itself dies by any signal, SIGKILL included. Every
 * process of one run is found through an environment variable it inherits (a tag per test), so
 * an orphan in its own process group cannot hide (not a TETHYS_ variable: those override config).
 */
const BIN = fileURLToPath(new URL("../../src/cli/tethys.ts", import.meta.url));

interface Run {
  child: ChildProcess;
  tag: string;
  lines: string[];
  exited: Promise<number | null>;
  dir: string;
}

async function sim(args: string[]): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), "tethys-lifecycle-"));
  const tag = randomUUID();
  const child = spawn(process.execPath, [BIN, "sim", "--dir", dir, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SIM_LIFECYCLE_TAG: tag },
  });
  const lines: string[] = [];
  for (const s of [child.stdout, child.stderr]) if (s) createInterface({ input: s }).on("line", (l) => lines.push(l));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, tag, lines, exited, dir };
}

/** Live (not zombie) processes whose environment carries the tag. */
function tagged(tag: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, "latin1").includes(`SIM_LIFECYCLE_TAG=${tag}`)) continue;
      const state = readFileSync(`/proc/${name}/stat`, "latin1").split(") ")[1]?.[0];
      if (state !== "Z" && state !== "X") found.push(Number(name));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
}

/**
 * Waits until `cond` holds, checking /proc every 50 ms (there is no event for a process that is
 * not our child); fails after `ms`.
 */
async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await delay(50);
  }
}

/** The run's exit code; fails (so the test cleans up) if it has not exited within `ms`. */
async function exitOf(run: Run, ms = 30_000): Promise<number | null> {
  const timer = delay(ms, "hung" as const, { ref: false });
  const code = await Promise.race([run.exited, timer]);
  if (code === "hung") throw new Error(`tethys sim did not exit within ${ms} ms:\n${run.lines.join("\n")}`);
  return code;
}

async function cleanup(run: Run): Promise<void> {
  for (const pid of tagged(run.tag)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await rm(run.dir, { recursive: true, force: true });
}

test("a busy cockpit port: tethys sim exits at once, non-zero, naming the port and --http-port", async () => {
  const busy: Server = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  const port = (busy.address() as { port: number }).port;
  const run = await sim(["--http-port", String(port)]);
  try {
    const code = await exitOf(run);
    const out = run.lines.join("\n");
    assert.notEqual(code, 0, out);
    assert.match(out, new RegExp(`\\b${port}\\b.*in use|in use.*\\b${port}\\b`), out);
    assert.match(out, /--http-port/, out);
    assert.doesNotMatch(out, /^\s+at /m, `no stack trace:\n${out}`);
    assert.deepEqual(tagged(run.tag), [], "nothing left running");
  } finally {
    busy.close();
    await cleanup(run);
  }
});

test("tethys topside on a busy port exits, naming the port and its config key, with nothing left open", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-lifecycle-hub-"));
  const busy: Server = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  const port = (busy.address() as { port: number }).port;
  const keys = await generateKeys({ dir: join(dir, "keys"), configDir: dir });
  const file = join(dir, "topside.toml");
  await writeFile(
    file,
    `[topside]\nhost = "127.0.0.1"\nhttp_port = ${port}\ncommand_port = 0\ntelemetry_port = 0\n\n${await readFile(keys.files.topsideSnippet, "utf8")}`,
  );
  const hub = spawn(process.execPath, [BIN, "topside", "--config", file], { stdio: ["ignore", "pipe", "pipe"] });
  const run: Run = {
    child: hub,
    tag: "",
    lines: [],
    exited: new Promise((resolve) => hub.once("exit", (code) => resolve(code))),
    dir,
  };
  for (const st of [hub.stdout, hub.stderr]) createInterface({ input: st }).on("line", (l) => run.lines.push(l));
  try {
    const code = await exitOf(run);
    const out = run.lines.join("\n");
    assert.equal(code, 1, out);
    assert.match(out, new RegExp(`HTTP port ${port} on 127\\.0\\.0\\.1 is in use \\(topside\\.http_port\\)`), out);
    assert.match(out, /"code":"TOPSIDE_PORT_IN_USE"/, out);
  } finally {
    hub.kill("SIGKILL");
    busy.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("Ctrl-C during start-up stops what started: no world or hub left running", async () => {
  const run = await sim(["--http-port", "0"]);
  try {
    // Start-up is under way once tethys sim has a child (the world comes first).
    await until("a child of tethys sim", () => tagged(run.tag).length > 1);
    assert.ok(!run.lines.some((l) => l.includes("Cockpit:")), "still starting");
    run.child.kill("SIGINT");
    await exitOf(run);
    assert.deepEqual(tagged(run.tag), [], `orphans left:\n${run.lines.join("\n")}`);
  } finally {
    await cleanup(run);
  }
});

test("world, hub and agent exit when tethys sim dies by SIGKILL", async () => {
  const run = await sim(["--http-port", "0"]);
  try {
    await until("the cockpit URL", () => run.lines.some((l) => l.includes("Cockpit:")), 60_000);
    assert.ok(tagged(run.tag).length >= 4, "tethys sim, world, hub, agent (and esbuild's service)");
    run.child.kill("SIGKILL");
    await exitOf(run);
    await until("every child of the killed tethys sim to exit", () => tagged(run.tag).length === 0);
  } finally {
    await cleanup(run);
  }
});
