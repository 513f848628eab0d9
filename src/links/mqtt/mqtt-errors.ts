import { TethysError } from "../../kernel/errors.ts";

/**
 * MQTT failures as coded TethysErrors (docs/errors-fleet.md). CONNACK and PUBACK reason codes
 * are MQTT 5's (0x80 and up) or 3.1.1's return codes (1–5); TLS and socket errors keep the
 * system's code in the message.
 */
const AUTH_V5 = new Set([0x86, 0x8c]);
const DENIED_V5 = new Set([0x87]);

export function classifyMqttError(err: unknown, phase: "connect" | "publish"): TethysError {
  if (err instanceof TethysError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === "string" ? e.message : String(err);
  const code = e.code;
  if (typeof code === "number") {
    if (phase === "connect" && (code === 4 || AUTH_V5.has(code)))
      return new TethysError("FLEET_AUTH_FAILED", `broker refused the credentials (${message})`, { cause: err });
    if (code === 5 || DENIED_V5.has(code))
      return new TethysError(
        phase === "connect" ? "FLEET_AUTH_FAILED" : "FLEET_NOT_AUTHORIZED",
        phase === "connect"
          ? `broker refused the credentials: wrong username or password, or not allowed to connect (${message})`
          : `broker says not authorized (${message})`,
        { cause: err },
      );
    if (code === 1 || code === 0x84)
      return new TethysError("FLEET_PROTOCOL_REFUSED", `broker refused the MQTT protocol version (${message})`, {
        cause: err,
      });
    return new TethysError(phase === "connect" ? "FLEET_CONNECT_REFUSED" : "FLEET_PUBLISH_FAILED", message, {
      cause: err,
      details: { reasonCode: code },
    });
  }
  if (typeof code === "string" && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|ERR_TLS|HOSTNAME/i.test(code + message))
    return new TethysError("FLEET_TLS", `TLS with the broker failed (${code}): ${message}`, { cause: err });
  if (phase === "publish") return new TethysError("FLEET_PUBLISH_FAILED", message, { cause: err });
  return new TethysError("FLEET_CONNECT_FAILED", typeof code === "string" ? `${code}: ${message}` : message, {
    cause: err,
  });
}

export function isProtocolRefusal(err: TethysError): boolean {
  return err.code === "FLEET_PROTOCOL_REFUSED";
}
