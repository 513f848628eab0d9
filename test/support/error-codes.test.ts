import assert from "node:assert/strict";
import { test } from "node:test";
import { documentedCodes, findErrorCodes, undocumented } from "./error-codes.ts";

const SAMPLE = `import { TethysError } from "../kernel/errors.ts";
export const WidgetCodes = {
  JAMMED: "WIDGET_JAMMED",
  // a comment inside the table: "WIDGET_IN_COMMENT"
  LOST: "WIDGET_LOST",
} as const;
const STATE_CODES = ["WIDGET_IDLE", "WIDGET_BUSY"] as const;
const url = "http://example.invalid/"; // "FLASH_IN_LINE_COMMENT"
/* "HUB_IN_BLOCK_COMMENT" */
export function open(): never {
  log.warn({ code: "MCU_SAMPLE_EVENT" }, "a log record code");
  deviceFault("DEVICE_SAMPLE", "a factory");
  throw new TethysError("WIDGET_OPEN", "cannot open");
}
const notACode = "SOME_CONSTANT";
export class WidgetError extends TethysError {}
new WidgetError("WIDGETS", "a code without an underscore");
`;

test("finds codes in new …Error(…), in code tables and with an area prefix, not in comments", () => {
  const uses = findErrorCodes(SAMPLE, "src/widget.ts");
  assert.deepEqual(
    uses.map((u) => `${u.line} ${u.code}`),
    [
      "3 WIDGET_JAMMED",
      "5 WIDGET_LOST",
      "7 WIDGET_BUSY",
      "7 WIDGET_IDLE",
      "11 MCU_SAMPLE_EVENT",
      "12 DEVICE_SAMPLE",
      "13 WIDGET_OPEN",
      "17 WIDGETS",
    ],
  );
  assert.ok(uses.every((u) => u.file === "src/widget.ts"));
});

test("an undocumented code is reported with its file and line; a documented one is not", () => {
  const uses = findErrorCodes(SAMPLE, "src/widget.ts");
  const docs = documentedCodes(
    "| `WIDGET_JAMMED` | jammed |\n| `WIDGET_LOST`, `WIDGET_IDLE` | … |\nWIDGET_BUSY MCU_SAMPLE_EVENT DEVICE_SAMPLE WIDGETS",
  );
  assert.deepEqual(undocumented(uses, docs), [{ code: "WIDGET_OPEN", file: "src/widget.ts", line: 13 }]);
  assert.equal(undocumented(uses, documentedCodes("`WIDGET_OPENED` and WIDGET_OPEN_X")).length, uses.length);
});
