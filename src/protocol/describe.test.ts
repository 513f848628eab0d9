import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { describeSchema } from "./describe.ts";
import { MESSAGE_TYPES } from "./messages.ts";

test("docs/protocol-messages.md is generated from the current schema", async () => {
  const doc = await readFile(new URL("../../docs/protocol-messages.md", import.meta.url), "utf8");
  assert.equal(doc, describeSchema(), "run `npm run docs:protocol` and commit the result");
  for (const t of MESSAGE_TYPES) assert.ok(doc.includes(`## \`${t}\``), t);
});
