import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

/**
 * What `npm start` runs (`tethys sim`), as a user runs it: it prints the cockpit URL and a
 * pilot token, the URL answers with the cockpit, and Ctrl-C (SIGINT) stops the three processes
 * cleanly with exit code 0.
 */
test("tethys sim prints a cockpit URL that answers, and stops cleanly on SIGINT", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-sim-cli-"));
  const bin = fileURLToPath(new URL("../../src/cli/tethys.ts", import.meta.url));
  const child = spawn(process.execPath, [bin, "sim", "--http-port", "0", "--dir", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on("line", (line) => {
        lines.push(line);
        const m = /Cockpit:\s+(http:\/\/\S+)/.exec(line);
        if (m?.[1]) resolve(m[1]);
      });
      void exited.then((code) =>
        reject(new Error(`tethys sim exited (${code}) before printing a URL:\n${lines.join("\n")}`)),
      );
    });
    const page = await (await fetch(url)).text();
    assert.match(page, /<title>Tethys cockpit<\/title>/);
    assert.ok(
      lines.some((l) => /Pilot token: \S+/.test(l)),
      "a pilot token is printed",
    );
    // The one-time sign-in link: the cockpit URL with the code in the fragment; it redeems once.
    const link = lines.map((l) => /Sign in:\s+(http:\/\/\S+)#login=(\S+)/.exec(l)).find((m) => m !== null);
    assert.ok(link?.[1] === url && link[2], lines.join("\n"));
    const redeem = () => fetch(new URL("login", url), { method: "POST", body: link[2] });
    assert.equal((await redeem()).status, 200);
    assert.equal((await redeem()).status, 403, "one time only");
    child.kill("SIGINT");
    assert.equal(await exited, 0);
    assert.ok(
      lines.some((l) => l.includes("Stopped: thrusters neutral, links closed.")),
      lines.join("\n"),
    );
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
});
