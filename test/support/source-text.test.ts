import assert from "node:assert/strict";
import { test } from "node:test";
import { blankComments, commentsOnly } from "./source-text.ts";

const SOURCE = "a = \"x // not a comment\"; // gone\n/* gone\n gone */ b = `/* kept */`;\nc = 'it\\'s'; // last";

test("blankComments keeps code and strings, and the line numbers", () => {
  const text = blankComments(SOURCE);
  assert.equal(text.length, SOURCE.length);
  assert.equal(text.split("\n").length, 4);
  assert.ok(text.includes('"x // not a comment"') && text.includes("`/* kept */`") && text.includes("'it\\'s'"));
  assert.ok(!text.includes("gone") && !text.includes("last"));
});

test("commentsOnly keeps only the comments, in place", () => {
  const text = commentsOnly(SOURCE);
  assert.equal(text.length, SOURCE.length);
  assert.deepEqual(
    text.split("\n").map((l) => l.trim()),
    ["// gone", "/* gone", "gone */", "// last"],
  );
});
