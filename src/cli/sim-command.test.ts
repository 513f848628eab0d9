import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CliCommand } from "./cli-command.ts";
import { registerSimCommand, runSimCommand } from "./sim-command.ts";

type Rec = Record<string, unknown> & { type: string; t: number };

test("CLI: --headless writes an NDJSON recording and a summary; bad arguments give SIM_CLI_ARG/SIM_SCRIPT", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tethys-sim-cli-"));
  try {
    const rec = join(dir, "run.ndjson");
    const scr = join(dir, "s.ndjson");
    writeFileSync(scr, '{"at":0.2,"type":"sim.current","n":0.5,"e":0,"d":0}\n');
    const lines: string[] = [];
    const code = await runSimCommand(
      { headless: true, duration: "1", record: rec, script: scr, seed: "1", truthRate: "20", readings: false },
      (l) => lines.push(l),
    );
    assert.equal(code, 0);
    const recs = readFileSync(rec, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Rec);
    assert.equal(recs.filter((r) => r.type === "truth").length, 21);
    assert.equal(recs.filter((r) => r.type === "reading").length, 0);
    const summary = JSON.parse(lines[0] as string) as { type: string; speed_factor: number };
    assert.equal(summary.type, "summary");
    assert.ok(summary.speed_factor > 0);

    writeFileSync(scr, '{"at":0.2,"type":"sim.current","n":0.5}\n');
    await assert.rejects(
      runSimCommand({ headless: true, duration: "1", script: scr }),
      (e: { code?: string; message?: string }) => {
        return e.code === "SIM_SCRIPT" && /line 1: e:/.test(e.message ?? "");
      },
    );
    await assert.rejects(runSimCommand({ headless: true, duration: "abc" }), { code: "SIM_CLI_ARG" });
    await assert.rejects(runSimCommand({ headless: true }), { code: "SIM_CLI_ARG" });
    await assert.rejects(runSimCommand({ headless: true, duration: "1", water: "lava" }), { code: "SIM_CLI_ARG" });
    await assert.rejects(runSimCommand({ listen: "tcp:99999" }), { code: "SIM_CLI_ARG" });

    // Through commander: errors are printed with their code and set the exit code, no throw.
    const program = new CliCommand().exitOverride();
    const errors: string[] = [];
    registerSimCommand(program, { out: () => {}, err: (m) => errors.push(m) });
    await program.parseAsync(["sim", "--headless", "--duration", "-5"], { from: "user" });
    assert.equal(program.exitCode, 2);
    assert.match(errors[0] ?? "", /^SIM_CLI_ARG: --duration/);
    // The whole system checks --cameras before starting anything.
    for (const cameras of ["0", "3", "two", "1.5"]) {
      const p = new CliCommand().exitOverride();
      const errs: string[] = [];
      registerSimCommand(p, { out: () => {}, err: (m) => errs.push(m) });
      await p.parseAsync(["sim", "--cameras", cameras, "--dir", dir, "--http-port", "0"], { from: "user" });
      assert.equal(p.exitCode, 2, cameras);
      assert.match(errs[0] ?? "", /^SIM_CLI_ARG: --cameras: expected 1\.\.2/, cameras);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
