import { main } from "../program.ts";

/** Runs the `tethys` program in-process on `argv`, collecting what it prints and its exit code. */
export async function runMain(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
