import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { AGENT_NODE_FLAGS } from "./agent-runtime.ts";
import { agentLauncher } from "./sim-wiring.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

test("the agent runs with a bounded young generation wherever it is started", async () => {
  assert.ok(AGENT_NODE_FLAGS.some((f) => /^--max-semi-space-size=\d+$/.test(f)));
  // The board: the systemd unit's NODE_OPTIONS.
  const unit = readFileSync(`${ROOT}deploy/systemd/tethys-vehicle.service`, "utf8");
  const nodeOptions = /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
  for (const f of AGENT_NODE_FLAGS) assert.ok(nodeOptions.includes(f), `the vehicle unit's NODE_OPTIONS lack ${f}`);
  // `tethys sim`: the agent's command line, from its sources (the bundle takes the same flags).
  const was = process.env.TETHYS_AGENT_RUN;
  process.env.TETHYS_AGENT_RUN = "source";
  try {
    const { args } = await agentLauncher(() => {});
    assert.deepEqual(args.slice(0, AGENT_NODE_FLAGS.length), [...AGENT_NODE_FLAGS]);
  } finally {
    if (was === undefined) delete process.env.TETHYS_AGENT_RUN;
    else process.env.TETHYS_AGENT_RUN = was;
  }
});

test("under the agent's flags, objects surviving scavenges do not grow V8's new space past 4 MiB", () => {
  // Many objects outliving a few scavenges (what a reconnection's burst does): without a bound
  // V8 doubles the new space towards 64 MiB.
  const program = `
    const v8 = require("node:v8");
    const keep = [];
    let max = 0;
    for (let i = 0; i < 600000; i++) {
      keep.push({ i, a: [i] });
      if (keep.length > 100000) keep.splice(0, 50000);
      if (i % 20000 === 0) max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size);
    }
    process.stdout.write(String(max));`;
  const newSpace = (flags: readonly string[]): number => {
    const r = spawnSync(process.execPath, [...flags, "-e", program], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return Number(r.stdout);
  };
  const MiB = 1024 * 1024;
  const bounded = newSpace(AGENT_NODE_FLAGS);
  assert.ok(bounded <= 4 * MiB, `new space reached ${bounded / MiB} MiB`);
  // The same program with V8's defaults (what the agent ran with before): the bound is what holds it.
  const free = newSpace([]);
  assert.ok(free > 4 * MiB, `without the flags new space reached only ${free / MiB} MiB`);
});

test("an agent that will start worker threads (the simulated camera) never runs from the startup snapshot", async () => {
  // Node 24 aborts a worker loading node:child_process in a process started from a user-land
  // snapshot; the camera's render worker spawns its encoder.
  const was = process.env.TETHYS_AGENT_RUN;
  delete process.env.TETHYS_AGENT_RUN;
  try {
    const withWorkers = await agentLauncher(() => {}, { workers: true });
    assert.ok(!withWorkers.args.includes("--snapshot-blob"), withWorkers.args.join(" "));
    assert.match(withWorkers.args.at(-1) ?? "", /agent\.mjs$|tethys\.ts$/);
  } finally {
    if (was !== undefined) process.env.TETHYS_AGENT_RUN = was;
  }
});
