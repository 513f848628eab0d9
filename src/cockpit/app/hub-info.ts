import { httpsAddressFrom } from "../core/https-address.ts";

let asked: Promise<string | null | undefined> | undefined;

/**
 * This page over the hub's HTTPS listener (`GET /hub.json`, asked once per page): the URL, `null`
 * when the hub has none, `undefined` when it did not say (an older hub, no answer).
 */
export function httpsAddress(): Promise<string | null | undefined> {
  asked ??= fetch("/hub.json", { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : undefined))
    .then((info: unknown) => httpsAddressFrom(info, location.hostname, location.pathname))
    .catch(() => undefined);
  return asked;
}

/** A link element to `url`, its text the URL. */
export function linkTo(url: string, className: string): HTMLAnchorElement {
  const a = document.createElement("a");
  a.href = url;
  a.textContent = url;
  a.className = className;
  return a;
}
