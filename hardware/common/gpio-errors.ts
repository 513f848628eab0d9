import { TethysError } from "../../src/kernel/errors.ts";
import type { GpioLineSpec } from "../ports/gpio.ts";

export function lineName(spec: Pick<GpioLineSpec, "chip" | "line">): string {
  return `${spec.chip}:${spec.line}`;
}

export function gpioNotFound(spec: Pick<GpioLineSpec, "chip" | "line">, why: string): TethysError {
  return new TethysError("GPIO_NOT_FOUND", `GPIO ${lineName(spec)} not found: ${why}`, {
    details: { chip: spec.chip, line: spec.line },
  });
}

export function gpioBusy(spec: Pick<GpioLineSpec, "chip" | "line">): TethysError {
  return new TethysError("GPIO_BUSY", `GPIO ${lineName(spec)} is already claimed`, {
    details: { chip: spec.chip, line: spec.line },
  });
}

export function gpioClosed(spec: Pick<GpioLineSpec, "chip" | "line">): TethysError {
  return new TethysError("GPIO_CLOSED", `GPIO ${lineName(spec)} is closed`, {
    details: { chip: spec.chip, line: spec.line },
  });
}

export function gpioDirection(spec: Pick<GpioLineSpec, "chip" | "line">): TethysError {
  return new TethysError("GPIO_DIRECTION", `GPIO ${lineName(spec)} is an input; it cannot be written`, {
    details: { chip: spec.chip, line: spec.line },
  });
}

export function gpioNoEdge(spec: Pick<GpioLineSpec, "chip" | "line">): TethysError {
  return new TethysError(
    "GPIO_NO_EDGE",
    `GPIO ${lineName(spec)} was not opened as an input with an edge; it cannot be watched`,
    {
      details: { chip: spec.chip, line: spec.line },
    },
  );
}

/** Validates a spec from config or a caller; returns the error or undefined. */
export function checkGpioSpec(spec: GpioLineSpec): TethysError | undefined {
  const bad = (why: string) => new TethysError("GPIO_BAD_SPEC", `bad GPIO line spec: ${why}`, { details: { spec } });
  if (typeof spec.chip !== "string" || spec.chip.length === 0) return bad("chip must be a non-empty string");
  if (!Number.isInteger(spec.line) || spec.line < 0) return bad("line must be an integer >= 0");
  if (spec.direction !== "in" && spec.direction !== "out") return bad('direction must be "in" or "out"');
  if (spec.edge !== undefined && !["none", "rising", "falling", "both"].includes(spec.edge)) return bad("unknown edge");
  if (spec.edge !== undefined && spec.edge !== "none" && spec.direction === "out")
    return bad("an output cannot have an edge");
  return undefined;
}

/** True when `edge` fires on a change from `prev` to `next` (logical values). */
export function edgeFires(edge: GpioLineSpec["edge"], prev: 0 | 1, next: 0 | 1): boolean {
  if (prev === next) return false;
  if (edge === "both") return true;
  if (edge === "rising") return next === 1;
  if (edge === "falling") return next === 0;
  return false;
}
