#!/usr/bin/env node
import { main } from "./program.ts";

// The one place that sets the process's exit code: every action resolves with its own.
process.exitCode = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  errIsTty: process.stderr.isTTY === true,
});
