#!/usr/bin/env node
import { main } from "./program.ts";

// A reader that went away (`tethys log export … | head`) ends the output, not with a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

// The one place that sets the process's exit code: every action resolves with its own.
process.exitCode = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  errIsTty: process.stderr.isTTY === true,
});
