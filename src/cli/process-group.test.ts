import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../kernel/errors.ts";
import { ProcessGroup } from "./process-group.ts";

const node = process.execPath;
/** A child that prints a ready line, then on SIGTERM prints "bye <name>" and exits. */
const worker = (name: string) => `
  process.on("SIGTERM", () => { console.log("bye ${name}"); process.exit(0); });
  console.log(JSON.stringify({ msg: "ready", url: "http://x/${name}" }));
  setInterval(() => {}, 1000);
`;

test("children become ready, and stop in the given order", async () => {
  const lines: string[] = [];
  const g = new ProcessGroup({ line: (n, l) => lines.push(`${n}: ${l}`) });
  const a = await g.start({ name: "sim", command: node, args: ["-e", worker("sim")] });
  const b = await g.start({ name: "agent", command: node, args: ["-e", worker("agent")] });
  assert.equal(a.url, "http://x/sim");
  assert.equal(b.url, "http://x/agent");
  await g.stop({ order: ["agent", "sim"] });
  const byes = lines.filter((l) => l.includes("bye"));
  assert.deepEqual(byes, ["agent: bye agent", "sim: bye sim"]);
  assert.equal(await g.stopped, undefined);
});

test("a child that exits on its own stops the group and is named", async () => {
  const g = new ProcessGroup();
  await g.start({ name: "hub", command: node, args: ["-e", worker("hub")] });
  await g.start({
    name: "crasher",
    command: node,
    args: ["-e", 'console.log(JSON.stringify({msg:"ready"})); setImmediate(() => process.exit(3));'],
  });
  assert.equal(await g.stopped, "crasher");
});

test("a child that dies before ready rejects with a code", async () => {
  const g = new ProcessGroup();
  await assert.rejects(
    g.start({ name: "bad", command: node, args: ["-e", "process.exit(2)"] }),
    (err) => isTethysError(err, "PROC_EXITED") && /bad exited \(code 2\)/.test(err.message),
  );
  await g.stopped;
});

test("a child that ignores SIGTERM is killed after the grace time", async () => {
  const exits: (string | null)[] = [];
  const g = new ProcessGroup({ exit: (_n, _c, signal) => exits.push(signal) }, 200);
  await g.start({
    name: "stubborn",
    command: node,
    args: [
      "-e",
      'process.on("SIGTERM", () => {}); console.log(JSON.stringify({msg:"ready"})); setInterval(() => {}, 1000);',
    ],
  });
  await g.stop();
  assert.deepEqual(exits, ["SIGKILL"]);
});
