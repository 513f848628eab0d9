/**
 * The one-time sign-in link `tethys sim` prints (`…/#login=<code>`), pure: the code from the URL's
 * fragment, or undefined. The code is in the fragment so that browsers never send it in a request
 * line (no access log holds it); the page removes it from the address bar at once and redeems it
 * with a POST to the hub's /login for a pilot secret kept in this tab's session storage.
 */
const CODE = /^[A-Za-z0-9_-]{16,128}$/;

export function loginCodeFrom(hash: string): string | undefined {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const code = params.get("login");
  return code !== null && CODE.test(code) ? code : undefined;
}

/** What the page says when a link cannot be redeemed (HTTP status from POST /login). */
export function loginLinkRefusal(status: number): string {
  if (status === 403)
    return "This sign-in link was already used (it works once) or is not this hub's: sign in with the pilot token.";
  return `The sign-in link could not be redeemed (HTTP ${status}): sign in with the pilot token.`;
}
