/** Loads the T200 tables shipped in simulator/physics-data/t200/ (adapter: reads files). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TethysError } from "../../src/kernel/errors.ts";
import { T200Model } from "../physics/t200-table.ts";
import { parseT200Csv } from "./t200-csv.ts";

export const T200_DATA_DIR = fileURLToPath(new URL("./t200/", import.meta.url));

/** Reads every `t200_<V>V.csv` in `dir`, validates each and returns the model. */
export function loadT200Model(dir: string = T200_DATA_DIR): T200Model {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^t200_\d+(\.\d+)?V\.csv$/.test(n));
  } catch (err) {
    throw new TethysError("SIM_T200_CSV", `cannot read T200 table folder ${dir}`, { cause: err });
  }
  if (names.length === 0) throw new TethysError("SIM_T200_CSV", `no t200_<V>V.csv tables in ${dir}`);
  return new T200Model(
    names.map((n) => {
      const volts = Number(n.slice(5, -5));
      return parseT200Csv(readFileSync(join(dir, n), "utf8"), volts, n);
    }),
  );
}

let cached: T200Model | undefined;

/** The shipped tables, loaded once. */
export function defaultT200Model(): T200Model {
  cached ??= loadT200Model();
  return cached;
}
