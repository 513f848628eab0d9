/**
 * Where the same cockpit is served over HTTPS, from the hub's `GET /hub.json` answer
 * (`{"httpsPort": n | null}`, docs/topside.md): browsers hide WebCodecs (and some the Gamepad
 * API) from plain-HTTP pages off localhost, so an insecure page links there. Pure.
 *
 * Returns the URL; `null` when the hub says it has no HTTPS listener; `undefined` when the
 * answer is not one (an older hub, a proxy's error page).
 */
export function httpsAddressFrom(info: unknown, hostname: string, pathname: string): string | null | undefined {
  if (typeof info !== "object" || info === null || !("httpsPort" in info)) return undefined;
  const port = (info as { httpsPort: unknown }).httpsPort;
  if (port === null) return null;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const host = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  return `https://${host}:${port}${pathname.startsWith("/") ? pathname : "/"}`;
}
