// Regenerates docs/protocol-messages.md from the schema: `npm run docs:protocol`.
import { writeFile } from "node:fs/promises";
import { describeSchema } from "../../src/protocol/describe.ts";

const target = new URL("../../docs/protocol-messages.md", import.meta.url);
await writeFile(target, describeSchema());
process.stdout.write(`wrote ${target.pathname.split("/").slice(-2).join("/")}\n`);
