import { ProtocolCodes, ProtocolError } from "./errors.ts";
import { validateMessage } from "./frame.ts";
import { type Message, SCHEMA } from "./messages.ts";

/**
 * The JSON form of a message is its in-memory form: `{"type": "pilot", "surge": 0.5, …}`.
 * It is the format of scripts, recordings and logs. Unknown keys are rejected unless the
 * caller names them (a script line's `at`, a recording's `t`).
 */

/** Validates a parsed JSON value as a message; returns a copy with `type` first. */
export function messageFromJson(value: unknown, extraKeys: readonly string[] = []): Message {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError(ProtocolCodes.INVALID, "a message must be a JSON object");
  }
  let candidate = value as Record<string, unknown>;
  if (extraKeys.length > 0) {
    candidate = { ...candidate };
    for (const k of extraKeys) delete candidate[k];
  }
  validateMessage(candidate);
  return messageToJson(candidate);
}

/** Plain-object copy of a message with `type` first and fields in declaration order. */
export function messageToJson<M extends Message>(message: M): M {
  const src = message as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { type: message.type };
  for (const key in SCHEMA[message.type].fields) {
    const v = src[key];
    if (v !== undefined) out[key] = structuredClone(v);
  }
  return out as unknown as M;
}

/** Parses one line of JSON text into a message; syntax errors become PROTO_INVALID. */
export function parseMessageLine(line: string, extraKeys: readonly string[] = []): Message {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new ProtocolError(ProtocolCodes.INVALID, `not valid JSON: ${(err as Error).message}`);
  }
  return messageFromJson(value, extraKeys);
}
