import { readFile } from "node:fs/promises";
import { parse as parseToml, TomlError } from "smol-toml";
import { type BoardProfile, parseBoardProfile } from "../../hardware/boards/schema.ts";
import { TethysError } from "../kernel/errors.ts";

/**
 * A board profile from a TOML file (`vehicle.board_file`, docs/hardware.md#board-profiles): for a
 * vehicle wired differently from every built-in profile. A file that cannot be read or is not
 * TOML is BOARD_FILE (with the line and column); a profile that does not validate is
 * BOARD_INVALID naming each bad key.
 */
export async function loadBoardFile(path: string): Promise<BoardProfile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new TethysError("BOARD_FILE", `board profile ${path}: ${(err as Error).message}`, {
      cause: err,
      details: { path },
    });
  }
  let data: unknown;
  try {
    data = parseToml(text);
  } catch (err) {
    const at = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : "";
    throw new TethysError("BOARD_FILE", `board profile ${path}: not valid TOML${at}`, {
      cause: err,
      details: { path },
    });
  }
  return parseBoardProfile(data);
}
